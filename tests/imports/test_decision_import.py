"""Importing decisions with their postings: through postings.services, so every rotation rule applies."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from imports.models import BatchStatus, RowStatus
from postings.models import Decision, Posting, PostingOverride, PostingStatus
from tests.imports import audit_count, commit, result_of, uploaded_batch, xlsx

ROW = {
    "symbol": "Số 15-QĐ/TU",
    "date": "01/05/2023",
    "issuing_unit": "Tỉnh ủy Thử",
    "summary": "Về việc luân chuyển cán bộ",
    "signer_title": "T/M BAN THƯỜNG VỤ",
    "personal_id": "LS-00001",
    "full_name": "Nông Minh Cường",
    "date_of_birth": "12/04/1978",
    "origin_unit": "Tỉnh ủy Thử",
    "origin_title": "Phó Trưởng ban",
    "dest_unit": "Huyện ủy An",
    "dest_title": "Phó Bí thư",
    "start_date": "01/06/2023",
}


def row(**changes) -> dict:
    return {**ROW, **changes}


@pytest.fixture
def officer_client(client, board_officer, cadre_in_pool):
    client.force_login(board_officer)
    return client


def test_a_decision_and_its_posting_are_previewed_then_committed_through_the_services(officer_client, place):
    events = audit_count()
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", xlsx("decisions", [row()]))

    first = result_of(batch, 2)
    assert first["status"] == RowStatus.NEW, first["messages"]
    assert (Decision.objects.count(), Posting.objects.count(), audit_count()) == (0, 0, events)  # dry run

    commit(officer_client, batch)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    decision = Decision.objects.get()
    assert (decision.symbol, decision.date, decision.issuing_unit) == (
        "15-QĐ/TU",
        datetime.date(2023, 5, 1),
        place.provincial_committee,
    )
    posting = Posting.objects.get()
    assert (posting.cadre.personal_id, posting.dest_unit, posting.dest_title_name) == (
        "LS-00001",
        place.district_a_committee,
        "Phó Bí thư",
    )
    assert posting.dest_position.title.name == "Phó Bí thư"  # the catalogue title, at the destination
    assert (posting.origin_unit, posting.origin_title_name) == (place.provincial_committee, "Phó Trưởng ban")
    assert posting.rule_set.code == "QD65" and posting.direction == "tinh_huyen"
    assert posting.planned_end == datetime.date(2026, 6, 1)


def test_importing_the_same_file_again_changes_nothing(officer_client):
    data = xlsx(
        "decisions",
        [
            row(),
            row(
                full_name="Nông Minh Cường",
                dest_unit="Xã Chi Lăng, Huyện An",
                dest_title="Chủ tịch UBND",
                start_date="02/06/2023",
                concurrent="Có",
                kind="Bổ nhiệm",
                purpose="Khác",
            ),
        ],
    )
    first = uploaded_batch(officer_client, "decisions", "qd.xlsx", data)
    assert first.summary[RowStatus.NEW] == 2, first.results
    commit(officer_client, first)
    counts = (Decision.objects.count(), Posting.objects.count(), PostingOverride.objects.count(), audit_count())
    assert counts[:2] == (1, 2)

    again = uploaded_batch(officer_client, "decisions", "qd.xlsx", data)

    assert {r["status"] for r in again.results} == {RowStatus.UNCHANGED}
    commit(officer_client, again)
    again.refresh_from_db()
    assert again.status == BatchStatus.COMMITTED
    assert (Decision.objects.count(), Posting.objects.count(), PostingOverride.objects.count(), audit_count()) == counts


def test_an_ambiguous_unit_name_is_an_error_listing_the_candidates(officer_client):
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", xlsx("decisions", [row(dest_unit="Xã Chi Lăng")]))

    result = result_of(batch, 2)
    assert result["status"] == RowStatus.ERROR
    message = next(m for m in result["messages"] if m["column"] == "Đơn vị nơi đến")
    assert message["text"].startswith("Đơn vị nơi đến “Xã Chi Lăng” trùng tên với 2 đơn vị:")
    assert "Xã Chi Lăng (Huyện An, Tỉnh Thử)" in message["text"]
    assert "Xã Chi Lăng (Huyện Bình, Tỉnh Thử)" in message["text"]
    assert "ví dụ “Xã Chi Lăng, Huyện" in message["text"]
    page = officer_client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Dòng 2, cột “Đơn vị nơi đến”: Đơn vị nơi đến “Xã Chi Lăng” trùng tên với 2 đơn vị" in page


@pytest.mark.parametrize("written", ["Xã Chi Lăng, Huyện An", "Xã Chi Lăng, An", "xa chi lang (huyen an)"])
def test_a_unit_qualified_by_its_parent_is_found(officer_client, place, written):
    batch = uploaded_batch(
        officer_client, "decisions", "qd.xlsx", xlsx("decisions", [row(dest_unit=written, dest_title="Bí thư")])
    )
    assert result_of(batch, 2)["status"] in (RowStatus.NEW, RowStatus.WARNING)
    commit(officer_client, batch)


def test_a_unit_that_no_longer_exists_on_the_decision_date_is_an_error(officer_client):
    data = xlsx("decisions", [row(date="01/08/2025", start_date="15/08/2025")])
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", data)
    messages = {m["column"]: m["text"] for m in result_of(batch, 2)["messages"]}
    assert "không có hiệu lực vào ngày 1/8/2025" in messages["Đơn vị nơi đến"]
    assert "hiệu lực đến 30/6/2025" in messages["Đơn vị nơi đến"]


def test_a_warning_needs_a_reason_in_the_override_columns(officer_client):
    short = row(planned_months="24")
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", xlsx("decisions", [short]))

    result = result_of(batch, 2)
    assert result["status"] == RowStatus.WARNING
    warning = next(m for m in result["messages"] if m["level"] == "warning")
    assert warning["column"] == "Số tháng dự kiến"
    assert "ít hơn tối thiểu 36 tháng" in warning["text"]
    assert "ghi lý do ở cột “Lý do trường hợp đặc biệt”" in warning["text"]
    assert not batch.can_commit

    reason = "Theo yêu cầu công tác cán bộ của Ban Thường vụ"
    accepted = uploaded_batch(
        officer_client,
        "decisions",
        "qd.xlsx",
        xlsx("decisions", [row(planned_months="24", override_codes="R-DURATION", override_reason=reason)]),
    )
    assert result_of(accepted, 2)["status"] == RowStatus.NEW
    assert any("vượt quy định R-DURATION" in m["text"] for m in result_of(accepted, 2)["messages"])
    commit(officer_client, accepted)
    override = PostingOverride.objects.get()
    assert (override.rule_code, override.reason, override.granted_by) == ("R-DURATION", reason, accepted.created_by)


def test_a_rule_error_blocks_the_whole_file(officer_client):
    rows = [row(), row(symbol="16-QĐ/TU", start_date="01/04/2023")]  # starts before its decision (E)
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", xlsx("decisions", rows))
    assert result_of(batch, 2)["status"] == RowStatus.NEW
    bad = result_of(batch, 3)
    assert bad["status"] == RowStatus.ERROR
    assert any(m["column"] == "Ngày bắt đầu" for m in bad["messages"])
    commit(officer_client, batch)
    assert (Decision.objects.count(), Posting.objects.count()) == (0, 0)


def test_rows_of_one_decision_must_agree_on_its_details(officer_client):
    rows = [row(), row(dest_unit="Xã Chi Lăng, Huyện An", start_date="02/06/2023", signer_title="KT. BÍ THƯ")]
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", xlsx("decisions", rows))
    message = result_of(batch, 3)["messages"][0]
    assert message["column"] == "Chức vụ người ký"
    assert "Khác với dòng 2 của cùng quyết định 15-QĐ/TU" in message["text"]


def test_a_cadre_not_in_the_registry_or_with_another_birth_date_is_an_error(officer_client):
    rows = [
        row(personal_id="", full_name="Người Chưa Có", date_of_birth="01/01/1980"),
        row(date_of_birth="13/04/1978", start_date="02/06/2023"),
    ]
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", xlsx("decisions", rows))
    assert "Chưa có cán bộ Người Chưa Có" in result_of(batch, 2)["messages"][0]["text"]
    assert "Mã LS-00001 là của Nông Minh Cường" in result_of(batch, 3)["messages"][0]["text"]


def test_an_ended_posting_can_be_imported_with_its_end_and_outcome(officer_client):
    data = xlsx("decisions", [row(actual_end="10/06/2026", outcome="Trở về nơi cũ")])
    batch = uploaded_batch(officer_client, "decisions", "qd.xlsx", data)
    assert result_of(batch, 2)["status"] == RowStatus.NEW, result_of(batch, 2)
    commit(officer_client, batch)
    posting = Posting.objects.get()
    assert (posting.status, posting.actual_end, posting.outcome) == (
        PostingStatus.ENDED,
        datetime.date(2026, 6, 10),
        "tro_ve",
    )
