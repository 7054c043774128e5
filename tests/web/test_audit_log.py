"""The global audit log (/audit/): what it shows, to whom, filtered and paged (rotation_registry/audit_log.py)."""

from __future__ import annotations

import datetime

import pghistory.models
import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, ScopeAssignment
from rotation_registry.audit_log import AUDITED, Criteria, log_rows, token
from rotation_registry.common.audit import audit_context
from tests.factories import CadreFactory, PositionTitleFactory, UserFactory

URL = reverse("audit:log")


@pytest.fixture
def officer_b(world):
    """Board staff whose scope is Huyện Bình only (a board officer of one province in a national registry)."""
    return UserFactory(username="bantochuc_binh", role=Role.BOARD_STAFF, scope=world.district_b)


@pytest.fixture
def cadres(world, board_officer):
    """A cadre in Huyện An and one in Huyện Bình, each created and then renamed with a reason."""
    made = {}
    for key, unit in (("a", world.district_a_department), ("b", world.commune_b1)):
        cadre = CadreFactory(full_name=f"Lê Văn Cũ {key.upper()}", unit=unit)
        with audit_context(actor=board_officer, reason=f"Sửa tên theo hồ sơ {key.upper()}"):
            cadre.full_name = f"Lê Văn Mới {key.upper()}"
            cadre.save()
        made[key] = cadre
    return made


def _rows(response) -> list:
    return list(response.context["page"].rows)


def test_every_audited_model_of_the_project_is_in_the_log():
    tracked = {
        model.pgh_tracked_model._meta.label
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and hasattr(model, "pgh_tracked_model")
    }
    assert {audited.label for audited in AUDITED} == tracked


def test_an_update_shows_who_why_and_each_changed_field_from_what_to_what(client, board_officer, cadres):
    client.force_login(board_officer)
    response = client.get(URL, {"model": "cadres.Cadre", "action": "update"})
    assert response.status_code == 200
    entry = next(row for row in _rows(response) if row.object_id == cadres["a"].pk)
    assert (entry.username, entry.reason, entry.action, entry.model_name) == (
        "bantochuc",
        "Sửa tên theo hồ sơ A",
        "update",
        "Cán bộ",
    )
    changed = {change.field: (change.before, change.after) for change in entry.changes}
    assert changed["họ và tên"] == ("Lê Văn Cũ A", "Lê Văn Mới A")
    assert "search_key" not in changed and "tìm kiếm" not in str(changed)  # derived columns are not shown
    html = response.content.decode()
    assert "Lê Văn Cũ A" in html and "Lê Văn Mới A" in html and "Sửa tên theo hồ sơ A" in html
    assert f'href="{reverse("cadres:history", args=[cadres["a"].pk])}"' in html  # the record's own history


def test_an_insert_lists_no_changes(client, board_officer, cadres):
    client.force_login(board_officer)
    rows = _rows(client.get(URL, {"model": "cadres.Cadre", "action": "insert"}))
    assert {row.object_id for row in rows} == {cadres["a"].pk, cadres["b"].pk}
    assert all(row.changes == [] and row.action == "insert" for row in rows)


def test_a_partial_scope_sees_only_the_events_of_its_own_records(client, officer_b, cadres, world):
    client.force_login(officer_b)
    PositionTitleFactory(name="Chánh Văn phòng")  # shared catalogue: every officer sees its changes
    rows = _rows(client.get(URL, {"per_page": 100}))
    cadre_ids = {row.object_id for row in rows if row.model == "cadres.Cadre"}
    assert cadre_ids == {cadres["b"].pk}
    unit_ids = {row.object_id for row in rows if row.model == "units.Unit"}
    assert world.commune_b1.pk in unit_ids and world.district_a.pk not in unit_ids
    models = {row.model for row in rows}
    assert "units.PositionTitle" in models
    assert not models & {"accounts.User", "accounts.ScopeAssignment"}  # users and scopes: whole registry only
    assert "Lê Văn Mới A" not in client.get(URL, {"per_page": 100}).content.decode()
    assert _rows(client.get(URL, {"model": "accounts.User"})) == []  # asked for by name: still nothing


def test_the_whole_registry_sees_users_and_scopes_too(client, board_officer, officer_b):
    client.force_login(board_officer)
    rows = _rows(client.get(URL, {"per_page": 100}))
    assert {"accounts.User", "accounts.ScopeAssignment"} <= {row.model for row in rows}
    assignment = ScopeAssignment.objects.get(user=officer_b)
    assert any(row.model == "accounts.ScopeAssignment" and row.object_id == assignment.pk for row in rows)


def test_the_filters_by_person_reason_and_days(client, board_officer, cadres):
    client.force_login(board_officer)
    by_person = _rows(client.get(URL, {"username": " bantochuc "}))
    assert {row.object_id for row in by_person} == {cadres["a"].pk, cadres["b"].pk}
    assert _rows(client.get(URL, {"username": "khong_co_ai"})) == []
    by_reason = _rows(client.get(URL, {"reason": "hồ sơ b"}))
    assert [row.object_id for row in by_reason] == [cadres["b"].pk]
    today = timezone.localdate()
    assert _rows(client.get(URL, {"date_from": today.isoformat(), "date_to": today.isoformat()}))
    yesterday = today - datetime.timedelta(days=1)
    assert _rows(client.get(URL, {"date_to": yesterday.isoformat()})) == []


def test_a_malformed_filter_gives_the_whole_log_with_a_notice(client, board_officer, cadres):
    client.force_login(board_officer)
    response = client.get(URL, {"date_from": "31/02/2026", "model": "khong.CoThat"})
    assert response.status_code == 200
    assert "Một số điều kiện lọc không hợp lệ nên đã bỏ qua." in response.content.decode()
    assert len(_rows(response)) > 2


@pytest.fixture
def one_transaction_of_events(world):
    """40 cadres and 40 titles written in one transaction: every event has the same timestamp."""
    with transaction.atomic():
        for n in range(40):
            CadreFactory(full_name=f"Cùng Lúc {n}", unit=world.commune_b1)
            PositionTitleFactory(name=f"Chức danh cùng lúc {n}")


def test_next_pages_walk_every_event_once_in_the_order_of_the_first_page(
    client, board_officer, one_transaction_of_events
):
    """The "next" links continue after the last event shown, also among events of the same instant in two
    tables, and give the same rows, in the same order, as reading the whole log at once."""
    client.force_login(board_officer)
    everything = log_rows(board_officer, Criteria(), offset=0, limit=1000)
    seen, response = [], client.get(URL, {"per_page": 10})
    while True:
        page = response.context["page"]
        seen += [(row.model, row.pgh_id) for row in page.rows]
        if not page.has_next:
            break
        assert "after=" in page.next_url
        response = client.get(URL + page.next_url)
    assert seen == [(model, pgh_id) for model, _when, pgh_id, _action, _object_id in everything]
    assert len(seen) == len(set(seen)) >= 80
    assert "Tổng số" not in response.content.decode()  # the log is not counted (rotation_registry/audit_log.py)


def test_a_damaged_next_link_reads_the_page_by_its_number(client, board_officer, one_transaction_of_events):
    client.force_login(board_officer)
    everything = log_rows(board_officer, Criteria(), offset=0, limit=1000)
    for damaged in ("x", "2026-01-01~cadres.Cadre~1", "2026-01-01T00:00:00+00:00~khong.CoThat~1", "a~b~c~d"):
        page = client.get(URL, {"per_page": 10, "page": 2, "after": damaged}).context["page"]
        assert [(row.model, row.pgh_id) for row in page.rows] == [(m, i) for m, _w, i, _a, _o in everything[10:20]]


def test_the_token_names_the_event_it_follows(board_officer, one_transaction_of_events):
    first, second = log_rows(board_officer, Criteria(), offset=0, limit=2)
    assert log_rows(board_officer, Criteria(), offset=0, limit=1, after=token(first)) == [second]


def test_unit_offices_and_leaders_are_refused(client, office_a, leader):
    for user in (office_a, leader):
        client.force_login(user)
        assert client.get(URL).status_code == 403


@pytest.mark.parametrize("listed, few", [(20_000, 20_000), (20_000, 0), (0, 0)])
def test_a_person_s_events_are_the_same_however_they_are_read(board_officer, cadres, monkeypatch, listed, few):
    """Sorted when few, walked along the time index when many, or by a subquery when the person has more
    contexts than are listed: the same events in the same order (rotation_registry/audit_log.py)."""
    from rotation_registry import audit_log

    expected = log_rows(board_officer, Criteria(username="bantochuc"), offset=0, limit=100)
    updates = {object_id for model, _w, _i, action, object_id in expected if action == "update"}
    assert updates == {cadres["a"].pk, cadres["b"].pk}
    monkeypatch.setattr(audit_log, "CONTEXTS_LISTED", listed)
    monkeypatch.setattr(audit_log, "FEW_EVENTS", few)
    assert log_rows(board_officer, Criteria(username="bantochuc"), offset=0, limit=100) == expected
