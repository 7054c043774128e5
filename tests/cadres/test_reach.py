"""Cadre.reach_roots: kept right by the database triggers, and a prefilter that never changes who sees what.

The world of tests/conftest.py has one province. Here a second one, Tỉnh Khác, is added, with a commune
that merged across the province border into Xã Hợp Nhất on 1/7/2025 (as Hà Giang's communes did into
Tuyên Quang), so that scopes and careers span two top-level units.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import Role, ScopeAssignment
from accounts.scopes import scope_roots
from cadres.models import Cadre
from postings.models import Posting, PostingStatus
from tests.conftest import END_OF_DISTRICTS, REORGANISED
from tests.factories import CadreFactory, DecisionFactory, UnitFactory, UserFactory
from units.models import LineageEvent, Unit, UnitKind, UnitLineage

D = datetime.date
PERSONAS = ["admin_user", "board_officer", "leader", "office_a", "office_b", "office_merged"]


@dataclass
class Other:
    province: Unit
    district: Unit
    commune: Unit  # merged into the world's Xã Hợp Nhất on 1/7/2025, across the province border
    committee: Unit


@pytest.fixture
def other(world) -> Other:
    province = UnitFactory(kind=UnitKind.PROVINCE, name="Tỉnh Khác")
    district = UnitFactory(kind=UnitKind.DISTRICT, name="Huyện Xa", parent=province, valid_to=END_OF_DISTRICTS)
    commune = UnitFactory(kind=UnitKind.COMMUNE, name="Xã Bên Kia", parent=district, valid_to=END_OF_DISTRICTS)
    UnitLineage.objects.create(
        predecessor=commune, successor=world.merged_commune, event=LineageEvent.MERGE, date=REORGANISED
    )
    committee = UnitFactory(kind=UnitKind.PARTY_COMMITTEE, name="Tỉnh ủy Khác", parent=province, abbreviation="TU")
    return Other(province=province, district=district, commune=commune, committee=committee)


@pytest.fixture
def decision(world):
    return DecisionFactory(symbol="10-QĐ/TU", date=D(2017, 8, 1), issuing_unit=world.provincial_committee)


@pytest.fixture
def post(decision):
    """A posting (not primary, so that a cadre may hold several at once)."""

    def make(cadre, origin, destination, *, save=True, **fields) -> Posting:
        defaults = dict(start_date=D(2017, 9, 1), direction="xa_xa", is_primary=False, dest_title_name="Phó Bí thư")
        posting = Posting(
            cadre=cadre,
            decision=decision,
            origin_unit=origin,
            dest_unit=destination,
            origin_unit_name=origin.name if origin else "",
            dest_unit_name=destination.name,
            **(defaults | fields),
        )
        if save:
            posting.save()
        return posting

    return make


def reach(cadre: Cadre) -> list[int]:
    return Cadre.objects.values_list("reach_roots", flat=True).get(pk=cadre.pk)


def computed(cadre: Cadre) -> list[int]:
    """The reach as the definition says, from Python: the path's first segment of every unit of the cadre."""
    units = {cadre.unit_id} if cadre.unit_id else set()
    for origin, dest in Posting.objects.filter(cadre=cadre).values_list("origin_unit_id", "dest_unit_id"):
        units |= {origin, dest} - {None}
    paths = Unit.objects.filter(pk__in=units).values_list("path", flat=True)
    return sorted({int(path.split("/")[1]) for path in paths})


# --- The triggers keep reach_roots right ---


def test_a_new_cadre_reaches_the_top_level_unit_of_their_own_unit(world):
    cadre = CadreFactory(unit=world.district_a_department)
    assert cadre.reach_roots == [world.province.pk]  # returned by the INSERT itself
    assert reach(cadre) == [world.province.pk]
    assert reach(CadreFactory(unit=None)) == []


def test_reach_follows_postings_created_updated_cancelled_and_deleted(world, other, post):
    cadre = CadreFactory(unit=world.district_a_department)
    posting = post(cadre, world.commune_a1, other.commune)
    assert reach(cadre) == sorted([world.province.pk, other.province.pk])

    posting.dest_unit = world.commune_b1  # saved through the model: an UPDATE of every column
    posting.save()
    assert reach(cadre) == [world.province.pk]

    posting.origin_unit = other.district
    posting.save()
    assert reach(cadre) == sorted([world.province.pk, other.province.pk])

    # Visibility does not look at the status, so neither does reach.
    posting.status = PostingStatus.CANCELLED
    posting.cancel_reason = "Quyết định bị thu hồi"
    posting.save()
    assert reach(cadre) == sorted([world.province.pk, other.province.pk])

    posting.delete()
    assert reach(cadre) == [world.province.pk]


def test_reach_after_a_bulk_create_of_postings(world, other, post):
    stay, leave, none = CadreFactory(unit=world.commune_b1), CadreFactory(unit=world.commune_b1), CadreFactory()
    Posting.objects.bulk_create(
        [
            post(stay, world.commune_b1, world.district_b, save=False),
            post(leave, world.commune_b1, other.commune, save=False),
            post(leave, other.commune, other.district, save=False, start_date=D(2018, 1, 1)),
            post(none, None, other.committee, save=False),
        ]
    )
    assert reach(stay) == [world.province.pk]
    assert reach(leave) == sorted([world.province.pk, other.province.pk])
    assert reach(none) == [other.province.pk]


def test_reach_after_a_queryset_update_of_the_destination(world, other, post):
    cadre = CadreFactory(unit=None)
    post(cadre, None, world.commune_b1)
    assert reach(cadre) == [world.province.pk]
    Posting.objects.filter(cadre=cadre).update(dest_unit=other.commune)
    assert reach(cadre) == [other.province.pk]
    # A change of cadre moves the reach with it.
    newcomer = CadreFactory(unit=None)
    Posting.objects.filter(cadre=cadre).update(cadre=newcomer)
    assert (reach(cadre), reach(newcomer)) == ([], [other.province.pk])


def test_reach_after_a_change_of_the_cadres_own_unit(world, other, post):
    cadre = CadreFactory(unit=world.district_a_department)
    post(cadre, world.commune_a1, world.merged_commune)
    cadre.unit = other.committee
    cadre.save()
    assert reach(cadre) == sorted([world.province.pk, other.province.pk])
    Cadre.objects.filter(pk=cadre.pk).update(unit=None)
    assert reach(cadre) == [world.province.pk]


def test_a_stale_instance_or_a_direct_write_cannot_narrow_the_reach(world, other, post):
    cadre = CadreFactory(unit=world.district_a_department)  # in memory: [province]
    post(cadre, None, other.commune)  # in the database: [province, other]
    cadre.full_name = "Nguyễn Văn Đổi Tên"
    cadre.save()  # writes every column, the stale reach_roots too
    assert reach(cadre) == sorted([world.province.pk, other.province.pk])
    Cadre.objects.filter(pk=cadre.pk).update(reach_roots=[])
    assert reach(cadre) == sorted([world.province.pk, other.province.pk])


def test_a_unit_moved_under_another_top_level_unit_moves_the_reach(world, other, post):
    # The admin lets a unit's parent be changed, and Unit.save rewrites the unit's path.
    on_unit = CadreFactory(unit=world.commune_b1)
    posted = CadreFactory(unit=None)
    post(posted, None, world.commune_b1)
    world.commune_b1.parent = other.district
    world.commune_b1.save()
    assert world.commune_b1.path.startswith(other.district.path)
    assert reach(on_unit) == reach(posted) == [other.province.pk]


def test_a_unit_saved_without_moving_writes_nothing(world, post):
    cadre = CadreFactory(unit=world.commune_b1)
    world.commune_b1.name = "Xã Bình Một Mới"
    world.commune_b1.save()
    assert reach(cadre) == [world.province.pk]


def test_reach_changes_add_no_audit_rows(world, other, post):
    event = apps.get_model("cadres", "CadreEvent")
    cadre = CadreFactory(unit=world.district_a_department)
    before = event.objects.filter(pgh_obj_id=cadre.pk).count()
    posting = post(cadre, world.commune_a1, other.commune)
    posting.delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cadres_cadre SET reach_roots = '{}' WHERE id = %s", [cadre.pk])
        cursor.execute("SELECT cadres_refresh_reach_all()")
    assert event.objects.filter(pgh_obj_id=cadre.pk).count() == before
    cadre.unit = world.commune_b1  # a real change of the cadre is audited as before
    cadre.save()
    assert event.objects.filter(pgh_obj_id=cadre.pk).count() == before + 1


def test_the_full_recompute_agrees_with_the_triggers(world, other, post):
    cadres = [CadreFactory(unit=unit) for unit in (None, world.commune_b1, other.committee)]
    post(cadres[0], other.commune, world.merged_commune)
    post(cadres[1], world.commune_b1, other.district)
    kept = {cadre.pk: reach(cadre) for cadre in cadres}
    assert kept == {cadre.pk: computed(cadre) for cadre in cadres}
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # as the bench loader: no trigger fires
        try:
            cursor.execute("UPDATE cadres_cadre SET reach_roots = '{}'")
            cursor.execute("SELECT cadres_refresh_reach_all()")
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert {cadre.pk: reach(cadre) for cadre in cadres} == kept


# --- The prefilter changes nothing about who sees what ---


@pytest.fixture
def careers(world, other, post):
    """Cadres whose units and postings span both provinces and the merger, in every status."""
    c = CadreFactory
    home_a = c(full_name="Ở Huyện An", unit=world.district_a_department)
    c(full_name="Không đơn vị", unit=None)
    c(full_name="Ở Tỉnh Khác", unit=other.committee)
    post(c(full_name="An Một sang Hợp Nhất", unit=None), world.commune_a1_committee, world.merged_commune_committee)
    post(c(full_name="Bên Kia sang Hợp Nhất", unit=other.committee), other.commune, world.merged_commune)
    post(c(full_name="Bình sang Tỉnh Khác", unit=other.committee), world.commune_b1, other.district)
    post(c(full_name="Tỉnh Khác sang Bình", unit=None), None, world.commune_b1)
    post(c(full_name="Chỉ ở Tỉnh Khác", unit=other.district), other.commune, other.committee)
    post(
        c(full_name="Đã hủy sang An Một", unit=other.committee),
        other.commune,
        world.commune_a1,
        status=PostingStatus.CANCELLED,
        cancel_reason="Thu hồi",
    )
    post(c(full_name="Dự thảo sang Bên Kia", unit=None), None, other.commune, status=PostingStatus.DRAFT)
    post(home_a, world.district_a_department, world.provincial_committee)
    return Cadre.objects.all()


@pytest.fixture
def other_office(other):
    return UserFactory(username="vanphong_khac", role=Role.UNIT_OFFICE, scope=other.commune)


@pytest.mark.parametrize("persona", [*PERSONAS, "other_office"])
def test_visible_to_is_the_same_with_and_without_the_prefilter(request, persona, careers, monkeypatch):
    user = request.getfixturevalue(persona)
    with_prefilter = set(Cadre.objects.visible_to(user).values_list("full_name", flat=True))
    roots = scope_roots(user)
    monkeypatch.setattr("accounts.scopes.scope_roots", lambda user: None)
    without = set(Cadre.objects.visible_to(user).values_list("full_name", flat=True))
    assert with_prefilter == without
    assert persona == "admin_user" or with_prefilter  # every persona sees somebody: the test means something
    if roots:
        assert len(with_prefilter) < careers.count()


def test_the_prefilter_is_in_the_query_for_a_scope_on_part_of_the_country(office_a, board_officer, other, world):
    assert '"reach_roots" &&' in str(Cadre.objects.visible_to(office_a).query)
    assert scope_roots(office_a) == [world.province.pk]


def test_scope_roots(world, other, office_merged, office_b, admin_user, board_officer):
    # Xã Hợp Nhất's scope reaches its predecessors, one of them in the other province.
    assert scope_roots(office_merged) == sorted([world.province.pk, other.province.pk])
    assert scope_roots(office_b) == [world.province.pk]
    assert scope_roots(admin_user) is None
    assert scope_roots(board_officer) == [world.province.pk]  # one of the two provinces
    assert scope_roots(UserFactory(role=Role.BOARD_STAFF)) == []  # no scope: nothing to see
    both = UserFactory(role=Role.BOARD_STAFF, scope=world.province)
    ScopeAssignment.objects.create(user=both, unit=other.province)
    assert scope_roots(both) is None  # every top-level unit: nothing to rule out


def test_a_scope_over_every_top_level_unit_needs_no_prefilter(world, board_officer):
    # Only one top-level unit exists here: the province's board reaches everything.
    assert scope_roots(board_officer) is None
    assert '"reach_roots" &&' not in str(Cadre.objects.visible_to(board_officer).query)
