"""The Django admin: Vietnamese, searchable, scoped, and saving through the same rules and audit."""

from __future__ import annotations

import datetime

import pghistory.models
import pytest
from django.contrib import admin
from django.urls import reverse

from postings.models import Decision, Posting, PostingOverride
from tests.factories import CadreFactory, DecisionFactory, PositionFactory, PositionTitleFactory, TermFactory

D = datetime.date


@pytest.fixture
def setting(world):
    TermFactory(name="2015–2020", start=D(2015, 10, 1), end=D(2020, 9, 30))
    decision = DecisionFactory(symbol="21-QĐ/HU", date=D(2018, 3, 1), issuing_unit=world.district_a_committee)
    origin = PositionFactory(
        title=PositionTitleFactory(name="Trưởng phòng", is_key=False, rank=40), unit=world.district_a_department
    )
    destination = PositionFactory(title=PositionTitleFactory(name="Bí thư"), unit=world.commune_a1_committee)
    cadre = CadreFactory(full_name="Nông Minh Cường", date_of_birth=D(1978, 4, 12))
    return dict(decision=decision, origin=origin, destination=destination, cadre=cadre)


def posting_form(setting, **extra):
    data = {
        "cadre": setting["cadre"].pk,
        "decision": setting["decision"].pk,
        "kind": "luan_chuyen",
        "purpose": "khac",
        "origin_position": setting["origin"].pk,
        "dest_position": setting["destination"].pk,
        "start_date": "2018-03-15",
        "planned_months": 36,
        "is_primary": "on",
        "status": "in_force",
        "overrides-TOTAL_FORMS": 0,
        "overrides-INITIAL_FORMS": 0,
        "audit_reason": "Theo Quyết định 21-QĐ/HU",
    }
    data.update(extra)
    return data


def test_every_admin_page_renders_in_vietnamese(client, admin_user, setting):
    client.force_login(admin_user)
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        for url in (reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))):
            response = client.get(url)
            assert response.status_code in (200, 403), url
    response = client.get(reverse("admin:postings_posting_add"))
    assert "Nơi đến" in response.text and "Lý do thay đổi" in response.text
    index = client.get("/admin/").text
    assert "Quản trị dữ liệu" in index and "Luân chuyển, bố trí" in index


def test_the_admin_search_ignores_accents(client, admin_user, setting):
    client.force_login(admin_user)
    response = client.get(reverse("admin:cadres_cadre_changelist"), {"q": "nong minh cuong"})
    assert "Nông Minh Cường" in response.text


def test_a_posting_saved_in_the_admin_goes_through_the_rules_and_the_audit(client, board_officer, setting):
    client.force_login(board_officer)
    response = client.post(reverse("admin:postings_posting_add"), posting_form(setting))
    assert response.status_code == 302, response.context["adminform"].form.errors
    posting = Posting.objects.get()
    assert (posting.direction, posting.origin_title_name, posting.dest_unit_name) == (
        "huyen_xa",
        "Trưởng phòng",
        "Đảng ủy xã An Một",
    )
    event = pghistory.models.Events.objects.tracks(posting).get()
    assert event.pgh_context["reason"] == "Theo Quyết định 21-QĐ/HU"
    assert event.pgh_context["user"] == board_officer.pk


def test_an_error_rule_is_shown_next_to_the_field_and_nothing_is_written(client, board_officer, setting):
    client.force_login(board_officer)
    response = client.post(reverse("admin:postings_posting_add"), posting_form(setting, start_date="2018-02-01"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "start_date" in errors and "quyết định" in " ".join(errors["start_date"])
    assert not Posting.objects.exists()


def test_a_warning_needs_an_override_with_a_reason(client, board_officer, setting):
    client.force_login(board_officer)
    # Training rotation without a planning record: R-PLANNING warns.
    response = client.post(reverse("admin:postings_posting_add"), posting_form(setting, purpose="dao_tao"))
    assert response.status_code == 200
    assert "R-PLANNING" in response.text
    assert not Posting.objects.exists()
    response = client.post(
        reverse("admin:postings_posting_add"),
        posting_form(
            setting,
            purpose="dao_tao",
            override_rules=["R-PLANNING"],
            override_reason="Đang hoàn thiện hồ sơ quy hoạch bổ sung.",
        ),
    )
    assert response.status_code == 302
    override = PostingOverride.objects.get()
    assert (override.rule_code, override.granted_by) == ("R-PLANNING", board_officer)


def test_a_posting_is_cancelled_with_a_reason_never_deleted(client, board_officer, setting):
    client.force_login(board_officer)
    client.post(reverse("admin:postings_posting_add"), posting_form(setting))
    posting = Posting.objects.get()
    url = reverse("admin:postings_posting_change", args=[posting.pk])
    response = client.post(url, posting_form(setting, status="cancelled"))
    assert response.status_code == 200 and "lý do" in response.text
    response = client.post(url, posting_form(setting, status="cancelled", cancel_reason="Nhập nhầm"))
    assert response.status_code == 302
    posting.refresh_from_db()
    assert (posting.status, posting.cancel_reason) == ("cancelled", "Nhập nhầm")
    assert client.get(reverse("admin:postings_posting_delete", args=[posting.pk])).status_code == 403


def test_a_wrong_decision_number_is_refused_in_vietnamese(client, board_officer, setting, world):
    client.force_login(board_officer)
    data = {
        "symbol": "21/QĐ-HU",
        "date": "2018-05-02",
        "issuing_unit": world.district_a_committee.pk,
        "status": "in_force",
        "postings-TOTAL_FORMS": 0,
        "postings-INITIAL_FORMS": 0,
    }
    response = client.post(reverse("admin:postings_decision_add"), data)
    assert "không đúng mẫu" in " ".join(response.context["adminform"].form.errors["symbol"])
    response = client.post(reverse("admin:postings_decision_add"), {**data, "symbol": "21-QĐ/HU"})
    assert "đã được dùng" in " ".join(response.context["adminform"].form.errors["symbol"])
    assert Decision.objects.count() == 1


def test_an_office_reads_its_scope_and_cannot_edit(client, office_b, board_officer, setting):
    client.force_login(board_officer)
    client.post(reverse("admin:postings_posting_add"), posting_form(setting))
    posting = Posting.objects.get()
    client.force_login(office_b)
    office_b.is_staff = True
    office_b.save()
    listing = client.get(reverse("admin:postings_posting_changelist"))
    assert listing.status_code == 200 and listing.context["cl"].result_count == 0
    assert client.get(reverse("admin:postings_posting_add")).status_code == 403
    response = client.get(reverse("admin:postings_posting_change", args=[posting.pk]))
    assert response.status_code == 302  # the admin's answer for an object outside its queryset


def test_a_decision_is_corrected_and_cancelled_through_the_admin(client, board_officer, setting, world):
    client.force_login(board_officer)
    decision = setting["decision"]
    url = reverse("admin:postings_decision_change", args=[decision.pk])
    form = {
        "symbol": "22-QĐ/HU",
        "date": "2018-03-01",
        "issuing_unit": world.district_a_committee.pk,
        "status": "in_force",
        "postings-TOTAL_FORMS": 0,
        "postings-INITIAL_FORMS": 0,
    }
    assert client.post(url, form).status_code == 302
    decision.refresh_from_db()
    assert decision.symbol == "22-QĐ/HU"
    client.post(reverse("admin:postings_posting_add"), posting_form(setting))
    # A decision whose posting still stands cannot be cancelled, nor dated after that posting starts.
    response = client.post(url, {**form, "status": "cancelled", "cancel_reason": "Thu hồi"})
    assert "hủy các luân chuyển" in " ".join(response.context["adminform"].form.errors["status"])
    response = client.post(url, {**form, "date": "2018-04-01"})
    assert "không được sau ngày bắt đầu" in " ".join(response.context["adminform"].form.errors["date"])
    decision.refresh_from_db()
    assert (decision.status, decision.date) == ("in_force", D(2018, 3, 1))


def test_the_admin_speaks_vietnamese_whatever_the_browser_says_and_english_on_request(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Thêm vào" in response.text and response["Content-Language"] == "vi"
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    response = client.get("/admin/")
    assert "Add" in response.text and response["Content-Language"] == "en"


def test_postings_are_found_without_accents(client, board_officer, setting):
    client.force_login(board_officer)
    client.post(reverse("admin:postings_posting_add"), posting_form(setting))
    response = client.get(reverse("admin:postings_posting_changelist"), {"q": "nong minh"})
    assert response.context["cl"].result_count == 1
    response = client.get(reverse("admin:postings_posting_changelist"), {"q": "21-QĐ/HU"})
    assert response.context["cl"].result_count == 1


def test_board_staff_see_the_overrides_granted_on_a_posting(client, board_officer, setting):
    client.force_login(board_officer)
    client.post(
        reverse("admin:postings_posting_add"),
        posting_form(setting, purpose="dao_tao", override_rules=["R-PLANNING"], override_reason="Hồ sơ bổ sung sau."),
    )
    posting = Posting.objects.get()
    response = client.get(reverse("admin:postings_posting_change", args=[posting.pk]))
    assert "Hồ sơ bổ sung sau." in response.text
