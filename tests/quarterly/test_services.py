"""Filing, submitting, returning and accepting quarterly reports through the services."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from postings.models import Posting
from reports.models import QuarterlyReport, QuarterlyReportVersion, ReportingPeriod, ReportStatus
from reports.quarterly import prefill, selectors, services
from tests.quarterly.conftest import DOCUMENT, SECTIONS, at, review, rotation, submit

D = datetime.date
pytestmark = pytest.mark.django_db


# --- The figures a report starts from ---


def test_the_report_counts_started_ended_and_in_force_rotations_of_its_territory(reporting, office_a):
    figures = prefill.prefill(user=office_a, unit=reporting.world.district_a_committee, year=2024, quarter=2)
    total = figures["movements"]["total"]
    assert (total["started"], total["ended"], total["in_force"]) == (1, 1, 3)
    by_direction = {row["key"]: row for row in figures["movements"]["rows"]}
    assert by_direction["tinh_huyen"]["started"] == 1
    assert figures["territory"]["name"] == "Huyện An"  # a Huyện ủy reports on its district
    names = {row["posting"]: row for row in figures["names"]}
    assert set(names) == {reporting.started.pk, reporting.ended.pk, reporting.ongoing.pk}
    assert names[reporting.started.pk]["started"] and not names[reporting.started.pk]["ended"]
    assert names[reporting.ended.pk]["ended"]
    assert figures["statistics"]["total"]["value"] == 1  # Biểu 11: started in the quarter


def test_the_same_registry_gives_the_same_fingerprint(reporting, office_a, board_officer):
    unit = reporting.world.district_a_committee
    mine = prefill.prefill(user=office_a, unit=unit, year=2024, quarter=2)
    theirs = prefill.prefill(user=board_officer, unit=unit, year=2024, quarter=2)
    assert prefill.fingerprint(mine) == prefill.fingerprint(theirs)


# --- Drafts and submission ---


def test_a_draft_is_saved_without_freezing_anything(reporting, office_a):
    report = services.report_save(
        actor=office_a,
        period=reporting.period,
        version=services.NEW_REPORT,
        data={"results": "Bản nháp"},
        adjustments=[],
    )
    assert report.status == ReportStatus.NOT_SUBMITTED
    assert report.figures == {} and report.fingerprint == "" and report.version == 0
    assert not QuarterlyReportVersion.objects.exists()


def test_a_submission_without_the_required_sections_is_refused_field_by_field(reporting, office_a):
    with pytest.raises(ValidationError) as refused:
        submit(office_a, reporting.period, results="", causes="  ", document_number="")
    errors = refused.value.message_dict
    assert set(errors) == {"results", "causes", "document_number"}
    assert "Kết quả" in errors["results"][0]
    assert not QuarterlyReport.objects.exists()


def test_an_adjustment_without_an_explanation_is_refused(reporting, office_a):
    adjustment = {"figure": "started:total", "delta": 1, "explanation": ""}
    with pytest.raises(ValidationError) as refused:
        submit(office_a, reporting.period, adjustments=[adjustment])
    assert "phải giải trình" in refused.value.message_dict["adjustments"][0]
    assert not QuarterlyReport.objects.exists()


def test_an_adjustment_may_not_take_a_figure_below_zero(reporting, office_a):
    adjustment = {"figure": "ended:tinh_huyen", "delta": -2, "explanation": "Quyết định bị hủy"}
    with pytest.raises(ValidationError) as refused:
        submit(office_a, reporting.period, adjustments=[adjustment])
    assert "âm" in refused.value.message_dict["adjustments"][0]


def test_the_document_number_is_a_bc_of_the_unit(reporting, office_a):
    for number, expected in (("12-KH/HU", "BC"), ("12-BC/TU", "HU"), ("12/BC-HU", "không đúng mẫu")):
        with pytest.raises(ValidationError) as refused:
            submit(office_a, reporting.period, document_number=number)
        assert expected in refused.value.message_dict["document_number"][0], number


def test_submitting_freezes_the_figures_and_keeps_the_submission(reporting, office_a):
    adjustment = {"figure": "started:total", "delta": 1, "explanation": "QĐ 20/6 chưa vào sổ"}
    report = submit(office_a, reporting.period, adjustments=[adjustment])
    assert report.status == ReportStatus.SUBMITTED and report.version == 1
    assert report.fingerprint == prefill.fingerprint(report.figures)
    assert report.registry_version is not None
    assert report.first_submitted_at == report.submitted_at
    version = report.versions.get()
    assert (version.number, version.fingerprint, version.document_number) == (1, report.fingerprint, "12-BC/HU")
    assert version.sections["results"] == SECTIONS["results"]
    assert prefill.reported_totals(report.figures, report.adjustments)["started"] == 2  # 1 in the registry + 1


def test_a_registry_change_after_submission_leaves_the_snapshot_identical(reporting, office_a, board_officer):
    report = submit(office_a, reporting.period)
    snapshot, code = report.figures, report.fingerprint
    late_entry = rotation(reporting.kit, start=D(2024, 4, 2), dest_unit=reporting.world.district_a_committee)
    Posting.objects.filter(pk=reporting.ongoing.pk).update(dest_title_name="Phó Bí thư thường trực (thử)")

    report.refresh_from_db()
    assert report.figures == snapshot and report.fingerprint == code
    assert prefill.fingerprint(report.figures) == code
    now = prefill.prefill(user=board_officer, unit=reporting.world.district_a_committee, year=2024, quarter=2)
    assert prefill.fingerprint(now) != code
    changes = prefill.changes_since(report.figures, now)
    assert [row["posting"] for row in changes.added] == [late_entry.pk]
    assert [after["posting"] for _, after in changes.changed] == [reporting.ongoing.pk]
    assert {"label": "Tổng số", "column": "Bắt đầu luân chuyển trong quý", "before": 1, "now": 2} in changes.figures


def test_a_second_submission_of_the_same_version_creates_nothing(reporting, office_a):
    version = services.NEW_REPORT  # both tabs were opened before the first submission
    data = SECTIONS | DOCUMENT
    services.report_submit(actor=office_a, period=reporting.period, version=version, data=data, adjustments=[])
    with pytest.raises(services.AlreadySubmitted):
        services.report_submit(actor=office_a, period=reporting.period, version=version, data=data, adjustments=[])
    assert QuarterlyReport.objects.count() == 1
    assert QuarterlyReportVersion.objects.count() == 1


def test_a_stale_draft_is_refused(reporting, office_a):
    report = services.report_save(
        actor=office_a, period=reporting.period, version=services.NEW_REPORT, data={"results": "A"}, adjustments=[]
    )
    old = services.report_version(report)
    services.report_save(actor=office_a, period=reporting.period, version=old, data={"results": "B"}, adjustments=[])
    with pytest.raises(ValidationError) as refused:
        services.report_save(
            actor=office_a, period=reporting.period, version=old, data={"results": "C"}, adjustments=[]
        )
    assert "người khác sửa" in " ".join(refused.value.messages)
    assert QuarterlyReport.objects.get().results == "B"


def test_only_the_units_office_files(reporting, office_b, board_officer, leader):
    for person in (office_b, board_officer, leader):
        with pytest.raises(PermissionDenied):
            submit(person, reporting.period)
    assert not QuarterlyReport.objects.exists()


# --- Review ---


def test_returning_needs_a_comment_and_the_unit_submits_again(reporting, office_a, board_officer):
    submit(office_a, reporting.period)
    with pytest.raises(ValidationError) as refused:
        review(board_officer, reporting.period, "return", comment=" ")
    assert "ý kiến" in refused.value.message_dict["comment"][0]

    returned = review(board_officer, reporting.period, "return", comment="Bổ sung đánh giá")
    assert returned.status == ReportStatus.RETURNED
    again = submit(office_a, reporting.period, when=at(D(2024, 6, 27)), results="Đã bổ sung đánh giá.")
    assert again.version == 2 and again.status == ReportStatus.SUBMITTED
    assert again.first_submitted_at == at(D(2024, 6, 18))  # the first submission decides "on time"
    versions = list(QuarterlyReportVersion.objects.order_by("number"))
    assert [(v.number, v.outcome) for v in versions] == [(1, "returned"), (2, "")]
    assert versions[0].review_comment == "Bổ sung đánh giá"
    assert versions[0].sections["results"] == SECTIONS["results"]  # the first version is kept as it was


def test_an_accepted_report_is_locked_for_everyone(reporting, office_a, board_officer):
    submit(office_a, reporting.period)
    accepted = review(board_officer, reporting.period, "accept")
    assert accepted.status == ReportStatus.ACCEPTED
    with pytest.raises(services.AlreadySubmitted):
        submit(office_a, reporting.period)
    with pytest.raises(ValidationError):
        review(board_officer, reporting.period, "return", comment="Sửa lại")
    # Around the services (admin, SQL): the database refuses too.
    for change in ({"results": "Sửa"}, {"status": "returned"}, {"status": "draft"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            QuarterlyReport.objects.filter(pk=accepted.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyReport.objects.filter(pk=accepted.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyReportVersion.objects.filter(report=accepted).update(review_comment="Khác")


def test_a_submitted_report_cannot_be_edited_before_review(reporting, office_a):
    report = submit(office_a, reporting.period)
    with pytest.raises(services.AlreadySubmitted):
        services.report_save(
            actor=office_a,
            period=reporting.period,
            version=services.report_version(report),
            data={"results": "Sửa sau khi nộp"},
            adjustments=[],
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        QuarterlyReport.objects.filter(pk=report.pk).update(figures={})


# --- Lateness and the completeness board ---


def test_a_late_report_counts_for_its_own_quarter(reporting, office_a, board_officer):
    q3 = ReportingPeriod.objects.create(
        unit=reporting.world.district_a_committee, year=2024, quarter=3, deadline=D(2024, 9, 20)
    )
    submit(office_a, reporting.period, when=at(D(2024, 7, 5)), document_date=D(2024, 7, 5))
    q2_board = selectors.completeness(user=board_officer, year=2024, quarter=2, today=D(2024, 7, 6))
    row = next(r for r in q2_board.rows if r.period == reporting.period)
    assert row.status == ReportStatus.SUBMITTED and row.late and row.days_late == 15
    q3_board = selectors.completeness(user=board_officer, year=2024, quarter=3, today=D(2024, 7, 6))
    q3_row = next(r for r in q3_board.rows if r.period == q3)
    assert q3_row.status == ReportStatus.NOT_SUBMITTED and not q3_row.late


def test_the_board_shows_states_lateness_and_the_on_time_record(reporting, office_a, board_officer):
    unit = reporting.world.district_a_committee
    q1 = ReportingPeriod.objects.create(unit=unit, year=2024, quarter=1, deadline=D(2024, 3, 20))
    submit(office_a, q1, when=at(D(2024, 3, 19)), document_date=D(2024, 3, 19), document_number="05-BC/HU")
    submit(office_a, reporting.period, when=at(D(2024, 6, 21)), document_date=D(2024, 6, 21))
    board = selectors.completeness(user=board_officer, year=2024, quarter=2, today=D(2024, 7, 1))
    rows = {row.period.unit.name: row for row in board.rows}
    an, binh = rows["Huyện ủy An"], rows["Huyện ủy Bình"]
    assert (an.status, an.late, an.days_late) == ("submitted", True, 1)
    assert (an.on_time, an.judged, an.on_time_rate) == (1, 2, "50%")
    assert (binh.status, binh.late, binh.days_late) == ("draft", True, 11)
    assert (board.submitted, board.not_submitted, board.late) == (1, 1, 2)


def test_the_board_reads_a_constant_number_of_queries(reporting, board_officer, django_assert_max_num_queries):
    from tests.factories import UnitFactory
    from units.models import UnitKind

    for n in range(15):
        district = UnitFactory(kind=UnitKind.DISTRICT, name=f"Huyện Số {n}", parent=reporting.world.province)
        unit = UnitFactory(kind=UnitKind.PARTY_COMMITTEE, name=f"Huyện ủy Số {n}", parent=district, abbreviation="HU")
        ReportingPeriod.objects.create(unit=unit, year=2024, quarter=2, deadline=D(2024, 6, 20))
    selectors.completeness(user=board_officer, year=2024, quarter=2)  # the scope is cached on the user
    with django_assert_max_num_queries(2):  # periods with their reports' state; the on-time record
        board = selectors.completeness(user=board_officer, year=2024, quarter=2)
    assert len(board.rows) == 17


# --- Periods ---


def test_the_board_sets_the_periods_of_a_quarter_with_the_default_deadline(reporting, board_officer):
    world = reporting.world
    assert services.default_deadline(2024, 4) == D(2024, 12, 20)
    candidates = list(services.reporting_candidates(user=board_officer, year=2024, quarter=4))
    assert {u.name for u in candidates} == {"Huyện ủy An", "Huyện ủy Bình"}
    result = services.periods_set(
        actor=board_officer, year=2024, quarter=4, deadline=services.default_deadline(2024, 4), units=candidates
    )
    assert len(result.created) == 2
    result = services.periods_set(
        actor=board_officer, year=2024, quarter=4, deadline=D(2024, 12, 25), units=[world.district_a_committee]
    )
    assert [p.deadline for p in result.updated] == [D(2024, 12, 25)] and result.removed == ["Huyện ủy Bình"]
    with pytest.raises(ValidationError):
        services.periods_set(
            actor=board_officer, year=2024, quarter=4, deadline=D(2024, 12, 25), units=[world.merged_commune_committee]
        )


def test_after_the_reorganisation_the_commune_committees_report(reporting, board_officer):
    candidates = {u.name for u in services.reporting_candidates(user=board_officer, year=2025, quarter=3)}
    assert candidates == {"Đảng ủy xã Hợp Nhất"}
    both = {u.name for u in services.reporting_candidates(user=board_officer, year=2025, quarter=2)}
    assert both == {"Huyện ủy An", "Huyện ủy Bình"}


def test_unit_offices_may_not_set_periods(reporting, office_a):
    with pytest.raises(PermissionDenied):
        services.periods_set(actor=office_a, year=2024, quarter=4, deadline=D(2024, 12, 20), units=[])
