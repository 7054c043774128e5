"""visible_to(user) is the only boundary: every role, inside and outside a scope, across a merger."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Role, ScopeAssignment
from cadres.models import Cadre, Evaluation, EvaluationLevel, PlanningRecord
from plans.models import Plan
from postings.models import Decision, Posting
from reports.models import QuarterlyReport
from tests.factories import CadreFactory, DecisionFactory, PositionTitleFactory, TermFactory, UserFactory
from units.models import Unit

D = datetime.date


@pytest.fixture
def registry(world):
    """One move inside Huyện An, one inside Huyện Bình, one in the merged commune's predecessor."""
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    TermFactory(name="2025–2030", start=D(2025, 10, 1), end=D(2030, 9, 30))
    decision = DecisionFactory(symbol="10-QĐ/TU", date=D(2017, 8, 1), issuing_unit=world.provincial_committee)

    def move(cadre_name, origin, destination):
        cadre = CadreFactory(full_name=cadre_name)
        posting = Posting.objects.create(
            cadre=cadre,
            decision=decision,
            origin_unit=origin,
            dest_unit=destination,
            origin_unit_name=origin.name,
            dest_unit_name=destination.name,
            dest_title_name="Bí thư",
            start_date=D(2017, 9, 1),
            planned_end=D(2020, 9, 1),
            direction="huyen_xa",
        )
        return cadre, posting

    cadre_a, posting_a = move("Nông Minh Cường", world.district_a_department, world.commune_a1_committee)
    cadre_b, posting_b = move("Lý Hoàng Long", world.district_b, world.commune_b1)
    cadre_home = CadreFactory(full_name="Hoàng Văn Ở Nhà", unit=world.district_a_department)  # no postings
    return dict(
        cadre_a=cadre_a,
        posting_a=posting_a,
        cadre_b=cadre_b,
        posting_b=posting_b,
        cadre_home=cadre_home,
        decision=decision,
    )


def names(queryset) -> set[str]:
    return set(queryset.values_list("full_name", flat=True))


def test_admin_sees_everything(admin_user, registry):
    assert names(Cadre.objects.visible_to(admin_user)) == names(Cadre.objects.all())
    assert Posting.objects.visible_to(admin_user).count() == 2


@pytest.mark.parametrize("persona", ["board_officer", "leader"])
def test_province_wide_roles_see_the_whole_province(request, persona, registry):
    user = request.getfixturevalue(persona)
    assert names(Cadre.objects.visible_to(user)) == {"Nông Minh Cường", "Lý Hoàng Long", "Hoàng Văn Ở Nhà"}
    assert Posting.objects.visible_to(user).count() == 2
    assert Decision.objects.visible_to(user).count() == 1


def test_a_district_office_sees_its_district_and_nothing_else(office_a, registry):
    assert names(Cadre.objects.visible_to(office_a)) == {"Nông Minh Cường", "Hoàng Văn Ở Nhà"}
    assert list(Posting.objects.visible_to(office_a)) == [registry["posting_a"]]
    # The province's decision is visible because it carries a posting of the district.
    assert list(Decision.objects.visible_to(office_a)) == [registry["decision"]]


def test_an_office_outside_the_scope_sees_none_of_it(office_b, registry):
    assert names(Cadre.objects.visible_to(office_b)) == {"Lý Hoàng Long"}
    assert not Posting.objects.visible_to(office_b).filter(pk=registry["posting_a"].pk).exists()
    assert not Unit.objects.visible_to(office_b).filter(pk=registry["posting_a"].dest_unit_id).exists()


def test_a_commune_formed_by_merger_sees_its_predecessors_records(office_merged, registry, world):
    # Xã An Một merged into Xã Hợp Nhất on 1/7/2025: the new commune's office sees An Một's history,
    # but nothing else of the former district.
    assert names(Cadre.objects.visible_to(office_merged)) == {"Nông Minh Cường"}
    assert list(Posting.objects.visible_to(office_merged)) == [registry["posting_a"]]
    visible_units = set(Unit.objects.visible_to(office_merged).values_list("name", flat=True))
    assert {"Xã Hợp Nhất", "Đảng ủy xã Hợp Nhất", "Xã An Một", "Đảng ủy xã An Một"} == visible_units


def test_a_scope_on_a_former_district_still_reaches_its_records(world, registry):
    user = UserFactory(role=Role.UNIT_OFFICE, scope=world.district_a)  # Huyện An ended on 30/6/2025
    assert registry["posting_a"] in Posting.objects.visible_to(user)


def test_a_scope_counts_only_while_it_is_held(world, registry):
    user = UserFactory(role=Role.LEADER)
    ScopeAssignment.objects.create(user=user, unit=world.province, valid_from=D(2010, 1, 1), valid_to=D(2015, 1, 1))
    assert not Cadre.objects.visible_to(user).exists()


def test_a_user_without_scope_or_signed_out_sees_nothing(registry):
    from django.contrib.auth.models import AnonymousUser

    lonely = UserFactory(role=Role.BOARD_STAFF)
    inactive = UserFactory(role=Role.ADMIN, is_active=False)
    for user in (lonely, inactive, AnonymousUser()):
        assert not Cadre.objects.visible_to(user).exists()
        assert not Posting.objects.visible_to(user).exists()


def test_every_registry_model_answers_visible_to(office_a, office_b, world, registry):
    title = PositionTitleFactory()
    term = TermFactory()
    cadre = registry["cadre_a"]
    PlanningRecord.objects.create(cadre=cadre, target_title=title, term=term, valid_from=D(2016, 1, 1))
    Evaluation.objects.create(cadre=cadre, year=2018, level=EvaluationLevel.GOOD)
    Plan.objects.create(symbol="42-KH/TU", date=D(2017, 8, 23), issuing_unit=world.district_a_committee, title="thử")
    QuarterlyReport.objects.create(unit=world.district_a_committee, year=2018, quarter=1)
    for model in (PlanningRecord, Evaluation, Plan, QuarterlyReport):
        assert model.objects.visible_to(office_a).count() == 1, model
        assert model.objects.visible_to(office_b).count() == 0, model
