"""The quarterly report pages: filing through the form, ownership (404), roles (403), review, PDFs, the board."""

from __future__ import annotations

import datetime

import pghistory.models
import pytest
from django.urls import reverse

from reports.models import QuarterlyReport, QuarterlyReportVersion, ReportStatus
from reports.quarterly import documents, selectors, services
from tests.plans.conftest import pdf_text, words, write_pdf
from tests.quarterly.conftest import DOCUMENT, SECTIONS, review, submit

D = datetime.date
pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    """What the filing form posts: the sections, the document, the version and an empty adjustment row."""
    data = {
        **SECTIONS,
        **{k: (v.isoformat() if isinstance(v, D) else v) for k, v in DOCUMENT.items()},
        "version": services.NEW_REPORT,
        "adjustments-TOTAL_FORMS": "1",
        "adjustments-INITIAL_FORMS": "0",
        "adjustments-MIN_NUM_FORMS": "0",
        "adjustments-MAX_NUM_FORMS": "50",
        "adjustments-0-figure": "",
        "adjustments-0-delta": "",
        "adjustments-0-explanation": "",
    }
    data.update(changes)
    return data


def edit_url(period) -> str:
    return reverse("quarterly:edit", args=[period.pk])


def events() -> int:
    return pghistory.models.Events.objects.count()


# --- Filing ---


def test_the_office_opens_its_report_already_filled_from_the_registry(client, reporting, office_a):
    client.force_login(office_a)
    page = client.get(edit_url(reporting.period))
    assert page.status_code == 200
    text = page.text
    assert "Tỉnh về huyện" in text and reporting.started.cadre.full_name in text
    assert reporting.elsewhere.cadre.full_name not in text  # Huyện Bình's rotation is not An's


def test_the_office_saves_a_draft_then_submits_once_however_often_it_clicks(client, reporting, office_a):
    client.force_login(office_a)
    saved = client.post(edit_url(reporting.period), form_data(save="1", results="Nháp"))
    assert saved.status_code == 302
    report = QuarterlyReport.objects.get()
    assert (report.status, report.results) == (ReportStatus.NOT_SUBMITTED, "Nháp")

    data = form_data(submit="1", version=services.report_version(report))
    first = client.post(edit_url(reporting.period), data)
    assert first.status_code == 302 and first["Location"] == reporting.period.get_absolute_url()
    before = events()
    second = client.post(edit_url(reporting.period), data)  # a double click, or the second tab
    assert second.status_code == 302
    assert events() == before
    assert QuarterlyReportVersion.objects.count() == 1
    assert QuarterlyReport.objects.get().status == ReportStatus.SUBMITTED


def test_a_submission_missing_sections_is_refused_with_messages_on_the_fields(client, reporting, office_a):
    client.force_login(office_a)
    page = client.post(edit_url(reporting.period), form_data(submit="1", strengths="", next_quarter=""))
    assert page.status_code == 200
    form = page.context["form"]
    assert "Ưu điểm" in form.errors["strengths"][0]
    assert "Phương hướng" in form.errors["next_quarter"][0]
    assert not QuarterlyReport.objects.exists()


def test_an_adjustment_without_explanation_is_refused_on_its_field(client, reporting, office_a):
    client.force_login(office_a)
    data = form_data(submit="1", **{"adjustments-0-figure": "started:total", "adjustments-0-delta": "1"})
    page = client.post(edit_url(reporting.period), data)
    assert page.status_code == 200
    row = page.context["adjustments"].forms[0]
    assert "giải trình" in row.errors["explanation"][0]
    assert not QuarterlyReport.objects.exists()


def test_an_adjustment_with_its_explanation_is_reported(client, reporting, office_a):
    client.force_login(office_a)
    data = form_data(
        submit="1",
        **{
            "adjustments-0-figure": "started:tinh_huyen",
            "adjustments-0-delta": "1",
            "adjustments-0-explanation": "Quyết định ngày 20/6 chưa cập nhật vào sổ",
        },
    )
    assert client.post(edit_url(reporting.period), data).status_code == 302
    report = QuarterlyReport.objects.get()
    assert report.adjustments[0]["delta"] == 1
    detail = client.get(reporting.period.get_absolute_url())
    assert "Quyết định ngày 20/6 chưa cập nhật vào sổ" in detail.text


# --- Ownership and roles ---


def test_another_units_report_answers_404_whatever_the_id(client, reporting, office_a, office_b):
    client.force_login(office_a)
    client.post(edit_url(reporting.period), form_data(save="1"))
    client.force_login(office_b)
    before = events()
    for name in ("quarterly:detail", "quarterly:edit", "quarterly:pdf", "quarterly:review"):
        assert client.get(reverse(name, args=[reporting.period.pk])).status_code == 404, name
    assert client.post(edit_url(reporting.period), form_data(submit="1")).status_code == 404
    version = QuarterlyReportVersion.objects.none()
    assert not version.exists()
    assert events() == before
    assert QuarterlyReport.objects.get().status == ReportStatus.NOT_SUBMITTED
    # Its own period is fine; An's report is not in its list.
    own = client.get(reverse("quarterly:index"))
    assert "Huyện ủy Bình" in own.text and "Huyện ủy An" not in own.text


def test_a_kept_version_of_another_unit_answers_404(client, reporting, office_a, office_b):
    report = submit(office_a, reporting.period)
    version = report.versions.get()
    client.force_login(office_b)
    assert client.get(reverse("quarterly:version", args=[version.pk])).status_code == 404
    client.force_login(office_a)
    assert client.get(reverse("quarterly:version", args=[version.pk])).status_code == 200


def test_nobody_edits_a_submitted_or_accepted_report(client, reporting, office_a, board_officer):
    submit(office_a, reporting.period)
    client.force_login(office_a)
    page = client.get(edit_url(reporting.period))
    assert page.status_code == 302  # back to the report, with "cannot be edited"
    before = events()
    client.post(edit_url(reporting.period), form_data(submit="1", results="Sửa"))
    assert events() == before
    client.force_login(board_officer)
    assert client.get(edit_url(reporting.period)).status_code == 403  # the board reviews, never edits
    review(board_officer, reporting.period, "accept")
    client.force_login(office_a)
    assert client.get(edit_url(reporting.period)).status_code == 302


def test_leaders_read_every_report_in_their_scope_but_do_not_review(client, reporting, office_a, leader):
    submit(office_a, reporting.period)
    client.force_login(leader)
    assert client.get(reporting.period.get_absolute_url()).status_code == 200
    assert client.get(reverse("quarterly:index"), {"year": 2024, "quarter": 2}).status_code == 200
    assert client.get(reverse("quarterly:review", args=[reporting.period.pk])).status_code == 403
    assert client.get(reverse("quarterly:province"), {"year": 2024, "quarter": 2}).status_code == 200


# --- Review ---


def test_the_board_returns_with_a_comment_and_the_unit_resubmits(client, reporting, office_a, board_officer):
    submit(office_a, reporting.period)
    report = selectors.report_of(reporting.period)  # as the review page reads it
    client.force_login(board_officer)
    url = reverse("quarterly:review", args=[reporting.period.pk])
    refused = client.post(url, {"action": "return", "comment": "", "version": services.report_version(report)})
    assert refused.status_code == 200 and "ý kiến" in refused.context["form"].errors["comment"][0]
    returned = client.post(url, {"action": "return", "comment": "Bổ sung", "version": services.report_version(report)})
    assert returned.status_code == 302
    assert client.post(url, {"action": "return", "comment": "Lần hai", "version": services.report_version(report)})
    assert QuarterlyReportVersion.objects.get().review_comment == "Bổ sung"  # a second click did nothing

    client.force_login(office_a)
    page = client.get(edit_url(reporting.period))
    assert "Bổ sung" in page.text
    report = selectors.report_of(reporting.period)
    data = form_data(submit="1", version=services.report_version(report), results="Đã bổ sung.")
    assert client.post(edit_url(reporting.period), data).status_code == 302
    assert list(QuarterlyReportVersion.objects.order_by("number").values_list("number", "outcome")) == [
        (1, "returned"),
        (2, ""),
    ]


# --- The completeness board, the province's report and the PDFs ---


def test_the_completeness_board_shows_states_and_the_late_flag(client, reporting, office_a, board_officer):
    submit(office_a, reporting.period)
    client.force_login(board_officer)
    page = client.get(reverse("quarterly:index"), {"year": 2024, "quarter": 2})
    text = page.text
    assert "Đã nộp" in text and "Chưa nộp" in text
    assert "quá hạn" in text  # Huyện ủy Bình never filed; the deadline of 20/6/2024 is long past
    assert "đúng hạn" in text  # Huyện ủy An filed on 18/6/2024
    # One row a period: the unit's name links to its report, with the deadline as d/m/yyyy.
    period = reporting.period
    row = f'<th scope="row"><a href="{period.get_absolute_url()}">{period.unit.name}</a></th>'
    assert row in text and f"<td>{period.deadline.day}/{period.deadline.month}/{period.deadline.year}</td>" in text


def test_the_boards_rows_escape_what_they_print():
    from types import SimpleNamespace

    from reports.templatetags.completeness import completeness_rows

    unit = SimpleNamespace(name="<b>Xã A</b>")
    period = SimpleNamespace(unit=unit, deadline=datetime.date(2024, 6, 20), get_absolute_url=lambda: "/q/1/?a=1&b=2")
    row = SimpleNamespace(
        period=period, late=True, late_text="quá hạn <3 ngày", status_label="Chưa nộp",
        first_text="—", last_text="—", reviewed_text="—", record_text="0/1 (0%)",
    )  # fmt: skip
    html = str(completeness_rows([row]))
    assert '<a href="/q/1/?a=1&amp;b=2">&lt;b&gt;Xã A&lt;/b&gt;</a>' in html
    assert '<span class="badge warn">quá hạn &lt;3 ngày</span>' in html
    assert "<td>20/6/2024</td>" in html and html.count("<tr>") == 1


def test_the_province_report_names_the_units_that_have_not_reported(client, reporting, office_a, board_officer):
    submit(office_a, reporting.period)
    review(board_officer, reporting.period, "accept")
    report = selectors.province_report(user=board_officer, year=2024, quarter=2)
    assert [row.period.unit.name for row in report.missing] == ["Huyện ủy Bình"]
    assert [item.report.unit.name for item in report.accepted] == ["Huyện ủy An"]
    assert report.comparison[0].now["started"] == 2  # An's and Bình's rotations of 10/5/2024
    client.force_login(board_officer)
    page = client.get(reverse("quarterly:province"), {"year": 2024, "quarter": 2})
    assert "Huyện ủy Bình" in page.text and "cùng kỳ năm 2023" in page.text


def test_the_units_report_pdf_is_a_party_document_with_the_name_list(client, reporting, office_a, tmp_path):
    submit(office_a, reporting.period)
    client.force_login(office_a)
    response = client.get(reverse("quarterly:pdf", args=[reporting.period.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = words(pdf_text(write_pdf(tmp_path, response.content)))
    for expected in (
        "ĐẢNG BỘ TỈNH THỬ",
        "HUYỆN ỦY AN",
        "Số 12-BC/HU",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "An, ngày 15 tháng 6 năm 2024",
        "BÁO CÁO",
        "kết quả công tác luân chuyển cán bộ quý II năm 2024",
        "I- KẾT QUẢ",
        "T/M BAN THƯỜNG VỤ",
        "PHÓ BÍ THƯ",
        "Nguyễn Văn Ký",
        "- Lưu Văn phòng Huyện ủy.",
        "DANH SÁCH CÁN BỘ LUÂN CHUYỂN TRONG QUÝ",
        reporting.started.cadre.full_name,
    ):
        assert expected in text, expected
    assert "DỰ THẢO" not in text


def test_a_draft_pdf_is_marked_and_user_text_is_escaped(reporting, office_a, tmp_path):
    services.report_save(
        actor=office_a,
        period=reporting.period,
        version=services.NEW_REPORT,
        data={"results": '<img src="file:///etc/passwd"> **đậm** & <script>x</script>'},
        adjustments=[],
    )
    html = documents.report_document_html(
        user=office_a, period=reporting.period, report=selectors.report_of(reporting.period)
    )
    assert "<img" not in html and "<script" not in html and "&lt;img" in html
    pdf = documents.report_pdf(user=office_a, period=reporting.period, report=selectors.report_of(reporting.period))
    assert "DỰ THẢO" in pdf_text(write_pdf(tmp_path, pdf))


def test_the_province_pdf_is_a_tinh_uy_report(client, reporting, office_a, board_officer, tmp_path):
    submit(office_a, reporting.period)
    review(board_officer, reporting.period, "accept")
    client.force_login(board_officer)
    response = client.get(reverse("quarterly:province_pdf"), {"year": 2024, "quarter": 2})
    assert response.status_code == 200
    text = words(pdf_text(write_pdf(tmp_path, response.content)))
    for expected in (
        "TỈNH ỦY THỬ",
        "-BC/TU",
        "BÁO CÁO",
        "Các đơn vị chưa báo cáo: Huyện ủy Bình.",
        "T/M BAN THƯỜNG VỤ",
    ):
        assert expected in text, expected


def test_the_board_sets_periods_through_the_page(client, reporting, board_officer):
    client.force_login(board_officer)
    page = client.get(reverse("quarterly:setup"), {"year": 2024, "quarter": 3})
    assert page.status_code == 200 and "Huyện ủy An" in page.text
    units = [str(reporting.world.district_a_committee.pk), str(reporting.kit.district_b_committee.pk)]
    saved = client.post(
        reverse("quarterly:setup"), {"year": 2024, "quarter": 3, "deadline": "", "units": units, "save": "1"}
    )
    assert saved.status_code == 302
    from reports.models import ReportingPeriod

    assert set(ReportingPeriod.objects.filter(year=2024, quarter=3).values_list("deadline", flat=True)) == {
        D(2024, 9, 20)
    }
