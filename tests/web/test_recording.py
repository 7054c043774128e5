"""Recording (issue 3, part 3): decisions with several postings, single postings, edit, end, cancel.

Through the real URLs with the Django test client on PostgreSQL: the services and the rules run
as they do for a user, and every refusal must leave the database as it was.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from postings import services
from postings.models import Decision, Posting, PostingOutcome, PostingOverride, PostingStatus
from rotation_registry.common.concurrency import STALE_MESSAGE, row_version
from tests.factories import CadreFactory
from tests.postings import RULE_SET_DAYS, kit_fixture  # noqa: F401  (the `kit` fixture)

D = datetime.date
DAY = RULE_SET_DAYS["QD65"]  # decision date 1/5/2023
START = D(2023, 6, 1)


def decision_data(kit, **extra) -> dict:
    return {
        "symbol": "125-QĐ/TU",
        "date": DAY.isoformat(),
        "issuing_unit": kit.world.provincial_committee.pk,
        "signer": "Nguyễn Văn Ký",
        "summary": "Về việc luân chuyển cán bộ",
        **extra,
    }


def row_data(index: int, *, cadre, dest_position, start: datetime.date = START, **extra) -> dict:
    values = {
        "cadre": cadre.pk,
        "dest_position": dest_position.pk,
        "start_date": start.isoformat(),
        "planned_months": "36",
        "kind": "luan_chuyen",
        "purpose": "dao_tao",
        **extra,
    }
    return {f"rows-{index}-{name}": value for name, value in values.items()}


def formset(*rows: dict, total: int | None = None) -> dict:
    data = {
        "rows-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "1",
        "rows-MAX_NUM_FORMS": "100",
    }
    for row in rows:
        data.update(row)
    return data


@pytest.fixture
def batch(kit):
    """Two cadres for one decision: one in the planning pool, one not (a training rotation warns R-PLANNING)."""
    return {
        "planned": kit.cadre(full_name="Hoàng Văn Quy Hoạch", unit=kit.world.provincial_committee),
        "unplanned": kit.cadre(full_name="Lăng Thị Chưa Quy Hoạch", planned=False, unit=kit.world.provincial_committee),
        "origin": kit.position("pho_truong_ban", kit.world.provincial_committee),
        "dest_a": kit.position("pho_bi_thu", kit.world.district_a_committee),
        "dest_b": kit.position("pho_bi_thu", kit.district_b_committee),
    }


def batch_post(kit, batch, **second_row_extra) -> dict:
    return {
        **decision_data(kit),
        **formset(
            row_data(0, cadre=batch["planned"], dest_position=batch["dest_a"], origin_position=batch["origin"].pk),
            row_data(1, cadre=batch["unplanned"], dest_position=batch["dest_b"], **second_row_extra),
        ),
    }


def nothing_written() -> bool:
    return not Decision.objects.exists() and not Posting.objects.exists() and not PostingOverride.objects.exists()


# --- A decision with several postings ---


def test_a_decision_with_two_postings_is_saved_in_one_go_once_the_warning_is_overridden(
    client, board_officer, kit, batch
):
    client.force_login(board_officer)
    url = reverse("postings:decision_create")
    assert client.get(url).status_code == 200

    # First submit: the unplanned cadre's training rotation warns R-PLANNING; nothing is written.
    response = client.post(url, batch_post(kit, batch))
    assert response.status_code == 200
    assert nothing_written()
    rows = response.context["rows"].forms
    assert rows[0].warnings == [] and not rows[0].errors
    assert [finding.code for finding in rows[1].warnings] == ["R-PLANNING"]
    assert "không có quy hoạch còn hiệu lực" in response.text
    assert "Vượt quy định (trường hợp đặc biệt)" in response.text
    assert "Chưa ghi gì vào sổ" in response.text

    # Ticking the override without a reason is refused too, with the reason field named.
    response = client.post(url, batch_post(kit, batch, ov_r_planning="on"))
    assert "phải ghi lý do" in " ".join(response.context["rows"].forms[1].errors["ov_r_planning_reason"])
    assert nothing_written()

    # Second submit with the override: the decision and both postings, and the override row.
    reason = "Cán bộ trẻ có triển vọng, Ban Thường vụ đồng ý bổ sung quy hoạch"
    response = client.post(url, batch_post(kit, batch, ov_r_planning="on", ov_r_planning_reason=reason))
    decision = Decision.objects.get()
    assert response.status_code == 302 and response["Location"] == decision.get_absolute_url()
    postings = {p.cadre_id: p for p in decision.postings.all()}
    assert set(postings) == {batch["planned"].pk, batch["unplanned"].pk}
    override = PostingOverride.objects.get()
    assert (override.posting, override.rule_code, override.reason) == (
        postings[batch["unplanned"].pk],
        "R-PLANNING",
        reason,
    )
    assert override.granted_by == board_officer
    # The origin given on the first row is stored with its names as written; the destination names default.
    first = postings[batch["planned"].pk]
    assert (first.origin_title_name, first.origin_unit_name) == ("Phó Trưởng ban (thử)", "Tỉnh ủy Thử")
    assert (first.dest_title_name, first.dest_unit_name) == ("Phó Bí thư (thử)", "Huyện ủy An")


def test_a_row_starting_before_the_decision_writes_nothing_and_shows_the_error_on_that_row(
    client, board_officer, kit, batch
):
    client.force_login(board_officer)
    data = batch_post(kit, batch, ov_r_planning="on", ov_r_planning_reason="Trường hợp đặc biệt")
    data["rows-1-start_date"] = "2023-04-01"
    response = client.post(reverse("postings:decision_create"), data)
    assert response.status_code == 200
    assert nothing_written()
    rows = response.context["rows"].forms
    assert not rows[0].errors
    assert "trước ngày ký quyết định" in " ".join(rows[1].errors["start_date"])


def test_input_errors_name_the_field_in_vietnamese(client, board_officer, kit, batch):
    client.force_login(board_officer)
    data = batch_post(kit, batch)
    data["date"] = "31/02/2023"
    data["rows-0-start_date"] = ""
    response = client.post(reverse("postings:decision_create"), data)
    assert nothing_written()
    assert response.context["form"].errors["date"] == [
        "Ngày ký: ngày không hợp lệ (chọn trên lịch hoặc gõ ngày/tháng/năm, như 23/8/2017)."
    ]
    assert response.context["rows"].forms[0].errors["start_date"] == ["Ngày bắt đầu: chưa nhập (bắt buộc)."]


def test_a_malformed_decision_number_is_refused_next_to_the_symbol(client, board_officer, kit, batch):
    client.force_login(board_officer)
    response = client.post(reverse("postings:decision_create"), {**batch_post(kit, batch), "symbol": "125/QĐ-TU"})
    assert "không đúng mẫu" in " ".join(response.context["form"].errors["symbol"])
    assert nothing_written()


def test_the_add_row_button_adds_an_empty_row_and_saves_nothing(client, board_officer, kit, batch):
    client.force_login(board_officer)
    response = client.post(reverse("postings:decision_create"), {**batch_post(kit, batch), "add_row": "1"})
    assert response.status_code == 200
    assert len(response.context["rows"].forms) == 3
    assert nothing_written()
    assert 'class="errorlist"' not in response.text


def test_a_blank_extra_row_is_ignored(client, board_officer, kit, batch):
    client.force_login(board_officer)
    data = {
        **decision_data(kit),
        **formset(row_data(0, cadre=batch["planned"], dest_position=batch["dest_a"]), total=2),
        "rows-1-planned_months": "36",
        "rows-1-kind": "luan_chuyen",
        "rows-1-purpose": "dao_tao",
    }
    response = client.post(reverse("postings:decision_create"), data)
    assert response.status_code == 302
    assert Posting.objects.count() == 1


# --- One posting for a recorded decision ---


def test_the_single_form_preselects_the_cadre_and_fills_the_origin_from_the_primary_posting(
    client, board_officer, kit, batch
):
    cadre = batch["planned"]
    held = kit.held(cadre=cadre, dest=batch["origin"], start=D(2019, 6, 1), end=START)
    decision = kit.decision(DAY, symbol="126-QĐ/TU")
    client.force_login(board_officer)
    url = reverse("postings:create")
    response = client.get(url, {"cadre": cadre.pk, "decision": decision.pk})
    assert response.context["form"]["cadre"].value() == cadre.pk
    assert "Hoàng Văn Quy Hoạch" in response.text

    data = {"decision": decision.pk, "cadre": cadre.pk, "start_date": START.isoformat(), "planned_months": "36"}
    data.update(kind="luan_chuyen", purpose="dao_tao")
    response = client.post(url, data)  # no destination yet: refused, and the origin is now known
    assert "Nơi đi: Phó Trưởng ban (thử), Tỉnh ủy Thử (lấy từ chức vụ chính hiện tại)" in response.text
    assert "phải chọn vị trí nơi đến hoặc đơn vị nơi đến" in " ".join(response.context["form"].errors["dest_unit"])

    response = client.post(url, {**data, "dest_position": batch["dest_a"].pk})
    posting = Posting.objects.exclude(pk=held.pk).get()
    assert response.status_code == 302 and response["Location"] == posting.get_absolute_url()
    assert (posting.origin_position, posting.origin_unit_name) == (batch["origin"], "Tỉnh ủy Thử")
    assert posting.decision == decision


# --- Edit, end, cancel ---


@pytest.fixture
def recorded(kit, batch):
    return services.posting_create(
        actor=kit.officer,
        cadre=batch["planned"],
        decision=kit.decision(DAY, symbol="127-QĐ/TU"),
        dest_unit=None,
        dest_position=batch["dest_a"],
        origin_position=batch["origin"],
        start_date=START,
    )


def edit_data(posting: Posting, **changes) -> dict:
    data = {
        "decision": posting.decision_id,
        "kind": posting.kind,
        "purpose": posting.purpose,
        "dest_position": posting.dest_position_id,
        "dest_unit": posting.dest_unit_id,
        "dest_title_name": posting.dest_title_name,
        "dest_unit_name": posting.dest_unit_name,
        "start_date": posting.start_date.isoformat(),
        "planned_months": str(posting.planned_months),
        "origin_position": posting.origin_position_id or "",
        "origin_unit": posting.origin_unit_id or "",
        "origin_title_name": posting.origin_title_name,
        "origin_unit_name": posting.origin_unit_name,
        "version": row_version(posting),
    }
    data.update(changes)
    return data


def test_a_stale_edit_is_refused_and_the_row_stays_as_the_first_editor_left_it(client, board_officer, kit, recorded):
    client.force_login(board_officer)
    url = reverse("postings:edit", args=[recorded.pk])
    assert client.get(url).status_code == 200
    stale = edit_data(recorded)
    response = client.post(url, {**stale, "planned_months": "48"})
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert (recorded.planned_months, recorded.planned_end) == (48, D(2027, 6, 1))
    # A second editor who opened the page before that save.
    response = client.post(url, {**stale, "planned_months": "60", "dest_title_name": "Bí thư"})
    assert response.status_code == 200
    assert STALE_MESSAGE in response.context["form"].non_field_errors()
    recorded.refresh_from_db()
    assert (recorded.planned_months, recorded.dest_title_name) == (48, "Phó Bí thư (thử)")


def test_an_edit_that_shortens_the_posting_asks_for_the_duration_override(client, board_officer, kit, recorded):
    client.force_login(board_officer)
    url = reverse("postings:edit", args=[recorded.pk])
    response = client.post(url, edit_data(recorded, planned_months="24"))
    assert [f.code for f in response.context["form"].warnings] == ["R-DURATION"]
    recorded.refresh_from_db()
    assert recorded.planned_months == 36
    response = client.post(
        url, edit_data(recorded, planned_months="24", ov_r_duration="on", ov_r_duration_reason="Theo đề án")
    )
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert recorded.planned_months == 24
    assert recorded.overrides.get().rule_code == "R-DURATION"


def test_a_stale_decision_edit_is_refused(client, board_officer, kit, recorded):
    decision = recorded.decision
    client.force_login(board_officer)
    url = reverse("postings:decision_edit", args=[decision.pk])
    assert client.get(url).status_code == 200
    data = {
        "symbol": decision.symbol,
        "date": decision.date.isoformat(),
        "issuing_unit": decision.issuing_unit_id,
        "signer": "",
        "signer_title": "",
        "summary": "Về việc luân chuyển cán bộ",
        "version": row_version(decision),
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "summary": "Ghi đè"})
    assert STALE_MESSAGE in response.text
    decision.refresh_from_db()
    assert decision.summary == "Về việc luân chuyển cán bộ"


def test_an_early_end_needs_the_duration_override(client, board_officer, kit, recorded):
    client.force_login(board_officer)
    url = reverse("postings:end", args=[recorded.pk])
    assert client.get(url).status_code == 200
    data = {"actual_end": "2024-06-01", "outcome": PostingOutcome.RETURNED, "version": row_version(recorded)}
    response = client.post(url, data)
    assert response.status_code == 200
    assert [f.code for f in response.context["form"].warnings] == ["R-DURATION"]
    assert "sớm hơn thời gian tối thiểu 36 tháng" in response.text
    recorded.refresh_from_db()
    assert recorded.status == PostingStatus.IN_FORCE
    response = client.post(url, {**data, "ov_r_duration": "on", "ov_r_duration_reason": "Điều động theo yêu cầu"})
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert (recorded.status, recorded.actual_end, recorded.outcome) == (
        PostingStatus.ENDED,
        D(2024, 6, 1),
        PostingOutcome.RETURNED,
    )
    assert recorded.overrides.get().reason == "Điều động theo yêu cầu"


def test_ending_needs_a_date_and_an_outcome(client, board_officer, kit, recorded):
    client.force_login(board_officer)
    response = client.post(reverse("postings:end", args=[recorded.pk]), {"version": row_version(recorded)})
    errors = response.context["form"].errors
    assert errors["actual_end"] == ["Ngày kết thúc thực tế: chưa nhập (bắt buộc)."]
    assert errors["outcome"] == ["Kết quả sau luân chuyển: chưa nhập (bắt buộc)."]


def test_cancelling_requires_a_reason_and_deletes_nothing(client, board_officer, kit, recorded):
    client.force_login(board_officer)
    url = reverse("postings:cancel", args=[recorded.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"cancel_reason": "   ", "version": row_version(recorded)})
    assert response.status_code == 200
    assert "phải ghi lý do hủy" in " ".join(response.context["form"].errors["cancel_reason"])
    recorded.refresh_from_db()
    assert recorded.status == PostingStatus.IN_FORCE
    response = client.post(url, {"cancel_reason": "Nhập nhầm cán bộ", "version": row_version(recorded)})
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert (recorded.status, recorded.cancel_reason) == (PostingStatus.CANCELLED, "Nhập nhầm cán bộ")


def test_writes_happen_on_post_only(client, board_officer, kit, recorded):
    client.force_login(board_officer)
    client.get(reverse("postings:cancel", args=[recorded.pk]), {"cancel_reason": "x"})
    client.get(reverse("postings:end", args=[recorded.pk]), {"actual_end": "2027-01-01", "outcome": "tro_ve"})
    recorded.refresh_from_db()
    assert recorded.status == PostingStatus.IN_FORCE


# --- Who may record ---


def test_offices_and_leaders_get_403_and_out_of_scope_postings_404(client, recorded, office_a, office_b, leader):
    forms = [
        reverse("postings:decision_create"),
        reverse("postings:create"),
        reverse("postings:edit", args=[recorded.pk]),
        reverse("postings:end", args=[recorded.pk]),
        reverse("postings:cancel", args=[recorded.pk]),
        reverse("postings:decision_edit", args=[recorded.decision_id]),
    ]
    for user in (office_a, leader):  # both may see the posting, neither may record
        client.force_login(user)
        for url in forms:
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"cancel_reason": "x"}).status_code == 403, url
    client.force_login(office_b)  # Huyện Bình: the posting (to Huyện An) is not theirs at all
    assert client.get(reverse("postings:edit", args=[recorded.pk])).status_code == 404
    assert client.post(reverse("postings:cancel", args=[recorded.pk]), {"cancel_reason": "x"}).status_code == 404
    recorded.refresh_from_db()
    assert recorded.status == PostingStatus.IN_FORCE


def test_editors_see_the_edit_links(client, board_officer, kit, recorded, office_a):
    client.force_login(board_officer)
    assert reverse("postings:edit", args=[recorded.pk]) in client.get(recorded.get_absolute_url()).text
    assert (
        reverse("postings:decision_edit", args=[recorded.decision_id])
        in client.get(recorded.decision.get_absolute_url()).text
    )
    client.force_login(office_a)
    assert reverse("postings:edit", args=[recorded.pk]) not in client.get(recorded.get_absolute_url()).text


# --- Autocomplete ---


def choices(response) -> list[str]:
    return [choice["label"] for choice in response.context["choices"]]


def test_the_cadre_autocomplete_matches_without_accents_and_only_visible_cadres(client, board_officer, kit, office_b):
    world = kit.world
    CadreFactory(full_name="Nguyễn Công Trưởng", unit=world.district_a_department)
    CadreFactory(full_name="Hoàng Thị Lan", unit=world.commune_b1)
    url = reverse("cadres:autocomplete")
    client.force_login(board_officer)
    found = choices(client.get(url, {"field": "rows-0-cadre", "rows-0-cadre__search": "nguyen cong truong"}))
    assert len(found) == 1 and found[0].startswith("Nguyễn Công Trưởng (sinh 17/5/1980)")
    client.force_login(office_b)
    assert choices(client.get(url, {"field": "cadre", "cadre__search": "nguyen cong"})) == []
    assert len(choices(client.get(url, {"field": "cadre", "cadre__search": "HOANG thi"}))) == 1


def test_the_position_autocomplete_matches_title_and_unit_words_in_scope(client, board_officer, kit, batch, office_b):
    url = reverse("units:position_autocomplete")
    client.force_login(board_officer)
    found = choices(client.get(url, {"field": "dest_position", "dest_position__search": "pho bi thu"}))
    assert len(found) == 2
    found = choices(client.get(url, {"field": "dest_position", "dest_position__search": "pho bi thu huyen uy an"}))
    assert len(found) == 1 and "Huyện ủy An" in found[0]
    client.force_login(office_b)
    found = choices(client.get(url, {"field": "dest_position", "dest_position__search": "pho bi thu"}))
    assert len(found) == 1 and "Huyện ủy Bình" in found[0]


def test_the_decision_autocomplete_matches_the_number_without_accents(client, board_officer, kit, recorded, office_b):
    url = reverse("postings:decision_autocomplete")
    client.force_login(board_officer)
    assert len(choices(client.get(url, {"field": "decision", "decision__search": "127-qd/tu"}))) == 1
    assert len(choices(client.get(url, {"field": "decision", "decision__search": "127-QĐ"}))) == 1
    client.force_login(office_b)  # the decision is the Tỉnh ủy's and moves no one in Huyện Bình
    assert choices(client.get(url, {"field": "decision", "decision__search": "127"})) == []


# --- A new post ends the one held; a decision withdrawn cancels its postings ---


def _single_post(kit, batch, decision, **extra) -> dict:
    data = {"decision": decision.pk, "cadre": batch["planned"].pk, "start_date": START.isoformat()}
    data.update(planned_months="36", kind="luan_chuyen", purpose="dao_tao", dest_position=batch["dest_a"].pk)
    return {**data, **extra}


def test_a_new_primary_posting_ends_the_one_held_the_day_before(client, board_officer, kit, batch):
    held = kit.held(cadre=batch["planned"], dest=batch["origin"], start=D(2019, 6, 1), end=None)
    decision = kit.decision(DAY, symbol="128-QĐ/TU")
    client.force_login(board_officer)
    url = reverse("postings:create")
    # Unchecked, the new primary posting would overlap the one held: refused, nothing written.
    response = client.post(url, _single_post(kit, batch, decision))
    assert response.status_code == 200 and Posting.objects.count() == 1
    assert "chức vụ chính" in response.text  # R-OVERLAP, in Vietnamese
    # Checked (the form's default): the posting held ends on 31/5/2023 with "new post", the new one is saved.
    response = client.post(url, _single_post(kit, batch, decision, end_previous="on"))
    assert response.status_code == 302, response.context["form"].errors
    held.refresh_from_db()
    assert (held.status, held.actual_end, held.outcome) == (PostingStatus.ENDED, D(2023, 5, 31), "chuc_vu_moi")
    new = Posting.objects.exclude(pk=held.pk).get()
    assert new.origin_position == batch["origin"] and new.status == PostingStatus.IN_FORCE
    assert client.get(url).context["form"]["end_previous"].value() is True


def test_cancelling_a_decision_cancels_its_postings_with_the_reason_and_deletes_nothing(
    client, board_officer, kit, recorded
):
    decision = recorded.decision
    client.force_login(board_officer)
    url = reverse("postings:decision_cancel", args=[decision.pk])
    page = client.get(url)
    assert page.status_code == 200 and "cũng hủy 1 luân chuyển" in page.text
    response = client.post(url, {"cancel_reason": "", "version": row_version(decision)})
    assert "phải ghi lý do hủy quyết định" in " ".join(response.context["form"].errors["cancel_reason"])
    stale = row_version(decision)
    services.decision_update(actor=kit.officer, decision=decision, changes={"signer": "Người khác"})
    response = client.post(url, {"cancel_reason": "Thu hồi theo QĐ 130-QĐ/TU", "version": stale})
    assert STALE_MESSAGE in response.text
    decision.refresh_from_db()  # the page drawn again, with the other officer's change
    response = client.post(url, {"cancel_reason": "Thu hồi theo QĐ 130-QĐ/TU", "version": row_version(decision)})
    assert response.status_code == 302
    decision.refresh_from_db()
    recorded.refresh_from_db()
    assert (decision.status, decision.cancel_reason) == ("cancelled", "Thu hồi theo QĐ 130-QĐ/TU")
    assert (recorded.status, recorded.cancel_reason) == (PostingStatus.CANCELLED, "Thu hồi theo QĐ 130-QĐ/TU")
    assert Posting.objects.filter(pk=recorded.pk).exists()


def test_a_decision_keeps_its_signed_pdf_shown_only_within_scope(client, board_officer, office_merged, kit, batch):
    client.force_login(board_officer)
    url = reverse("postings:decision_create")
    data = batch_post(kit, batch, ov_r_planning="on", ov_r_planning_reason="Theo chỉ đạo của Ban Thường vụ")
    not_pdf = SimpleUploadedFile("quyet-dinh.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    response = client.post(url, {**data, "scan": not_pdf})
    assert response.status_code == 200 and nothing_written()
    assert "phải là tệp PDF" in " ".join(response.context["form"].errors["scan"])
    pdf = SimpleUploadedFile("quyet-dinh.pdf", b"%PDF-1.4\n% signed\n", content_type="application/pdf")
    client.post(url, {**data, "scan": pdf})
    decision = Decision.objects.get()
    scan = client.get(reverse("postings:decision_scan", args=[decision.pk]))
    assert scan.status_code == 200 and scan["Content-Type"] == "application/pdf"
    assert b"".join(scan.streaming_content).startswith(b"%PDF-")
    client.force_login(office_merged)  # the decision moves nobody to or from Xã Hợp Nhất
    assert client.get(reverse("postings:decision_scan", args=[decision.pk])).status_code == 404
