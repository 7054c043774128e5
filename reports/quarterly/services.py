"""Writes for quarterly reports: one transaction each, audited, refusing to act twice or on a stale page.

* The board sets the reporting periods of a quarter: which units report and by when (`periods_set`).
* A unit office saves its report as a draft (`report_save`) and submits it (`report_submit`), which
  checks the required sections, the document number and the adjustments, computes the figures from
  the registry and freezes them (snapshot + fingerprint + the registry's data version) on the report
  and in a new QuarterlyReportVersion. A submitted or accepted report is locked (here and by a
  PostgreSQL trigger, reports.models).
* The board returns a submitted report with a comment (`report_return`: the unit edits and submits
  again, a new version) or accepts it (`report_accept`: locked for good).
* The daily job marks overdue periods and sends reminder e-mails once per period, kind and deadline
  (`reminders_job`).

Every write carries the version of the row the user's page was drawn from (`report_version`): a
second click, a second tab or a colleague's change in between is refused (or, for a submission
already made, answered "already submitted") and nothing is written twice.
"""

from __future__ import annotations

import datetime
import logging
import re
from calendar import monthrange
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from reports.models import (
    LOCKED_MESSAGE,
    QuarterlyReport,
    QuarterlyReportVersion,
    ReminderKind,
    ReminderSent,
    ReportingPeriod,
    ReportStatus,
    VersionOutcome,
    quarter_bounds,
)
from reports.quarterly import prefill as figures_module
from rotation_registry.common.audit import audit_context
from rotation_registry.common.concurrency import STALE_MESSAGE, row_version
from rotation_registry.common.documents import DOCUMENT_NUMBER_MESSAGE, DOCUMENT_NUMBER_PATTERN, clean_symbol
from rotation_registry.common.formatting import format_date
from rotation_registry.common.validation import CONSTRAINT_FIELDS, CONSTRAINT_MESSAGES, save_or_explain
from rotation_registry.common.vietnamese import normalize_text
from units.models import REORGANISATION_DATE, Level, Term, Unit, UnitKind

logger = logging.getLogger(__name__)

REPORT_DOC_TYPE = "BC"
NEW_REPORT = "new"  # the version of a report not saved yet
SECTION_FIELDS = ("results", "strengths", "weaknesses", "causes", "next_quarter", "proposals")
# Required to submit (đề xuất, kiến nghị may be empty: a unit with nothing to propose says nothing).
REQUIRED_SECTIONS = ("results", "strengths", "weaknesses", "causes", "next_quarter")
SECTION_NAMES = {
    "results": gettext_lazy("I- Kết quả"),
    "strengths": gettext_lazy("II.1- Ưu điểm"),
    "weaknesses": gettext_lazy("II.2- Hạn chế"),
    "causes": gettext_lazy("II.3- Nguyên nhân"),
    "next_quarter": gettext_lazy("III- Phương hướng quý tới"),
    "proposals": gettext_lazy("IV- Đề xuất, kiến nghị"),
}
SUBMISSION_FIELDS = ("document_number", "document_date", "signer_title", "signer_name")
# A Party committee is a collective: its secretary or a deputy signs "T/M BAN THƯỜNG VỤ" (domain §2.3).
SIGNER_TITLES = ("BÍ THƯ", "PHÓ BÍ THƯ", "PHÓ BÍ THƯ THƯỜNG TRỰC")
SIGNING_AUTHORITY = "T/M BAN THƯỜNG VỤ"
MAX_ADJUSTMENTS = 50
# "After the deadline" reminders go out for periods whose deadline passed at most this long ago, so a
# new installation (or the demo's past quarters) does not mail every unit about years-old reports.
REMINDER_AFTER_WINDOW_DAYS = 30

CONSTRAINT_FIELDS.update(
    {
        "quarterly_report_locked": NON_FIELD_ERRORS,
        "quarterly_report_unique": NON_FIELD_ERRORS,
        "quarterly_report_version_unique": NON_FIELD_ERRORS,
    }
)
CONSTRAINT_MESSAGES.update({"quarterly_report_locked": LOCKED_MESSAGE})


class AlreadySubmitted(ValidationError):
    """The report was submitted already (a double click, a second tab): nothing was written."""


# --- Periods and deadlines ---


def default_deadline(year: int, quarter: int) -> datetime.date:
    """The QUARTERLY_REPORT_DEADLINE_DAY (default 20th) of the quarter's last month."""
    month = 3 * quarter
    day = min(getattr(settings, "QUARTERLY_REPORT_DEADLINE_DAY", 20), monthrange(year, month)[1])
    return datetime.date(year, month, day)


def reporting_candidates(*, user, year: int, quarter: int):
    """The units that report for a quarter, within the user's scope, valid at some day of it.

    Before 1/7/2025: the district committees (Huyện ủy, Thành ủy). Since: the commune and ward Party
    committees and the committees directly under the province (a Party committee under the Tỉnh ủy).
    """
    start, end = quarter_bounds(year, quarter)
    units = (
        Unit.objects.visible_to(user)
        .filter(kind=UnitKind.PARTY_COMMITTEE)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=end))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    )
    if end < REORGANISATION_DATE:
        units = units.filter(parent__kind=UnitKind.DISTRICT)
    else:
        units = units.filter(
            Q(parent__kind=UnitKind.COMMUNE)
            | Q(parent__kind=UnitKind.PARTY_COMMITTEE, parent__level=Level.PROVINCE, parent__parent__kind="province")
        )
    return units.select_related("parent").order_by("sort_key", "pk")


@dataclass
class PeriodsResult:
    created: list[ReportingPeriod] = field(default_factory=list)
    updated: list[ReportingPeriod] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[ReportingPeriod] = field(default_factory=list)  # deselected but a report exists: not removed


@transaction.atomic
def periods_set(
    *, actor, year: int, quarter: int, deadline: datetime.date, units: list[Unit], reason: str = ""
) -> PeriodsResult:
    """Make exactly `units` report for the quarter by `deadline` (units left out lose their period,
    unless they have started a report: then the period stays and is listed in `kept`)."""
    _require_board(actor)
    start, _end = quarter_bounds(year, quarter)
    errors = {}
    if deadline < start:
        errors["deadline"] = [_("Hạn nộp không được trước ngày đầu quý (%(day)s).") % {"day": format_date(start)}]
    if not units:
        errors["units"] = [_("Phải chọn ít nhất một đơn vị báo cáo.")]
    allowed = {u.pk for u in reporting_candidates(user=actor, year=year, quarter=quarter)}
    outside = [u.name for u in units if u.pk not in allowed]
    if outside:
        errors["units"] = [
            _("Không phải đơn vị báo cáo của quý này (hoặc ngoài phạm vi): %(units)s.") % {"units": ", ".join(outside)}
        ]
    if errors:
        raise ValidationError(errors)
    result = PeriodsResult()
    with audit_context(actor=actor, reason=reason or f"Giao kỳ báo cáo quý {quarter}/{year}"):
        existing = {
            p.unit_id: p
            for p in ReportingPeriod.objects.visible_to(actor)
            .select_for_update()
            .filter(year=year, quarter=quarter)
            .select_related("unit")
        }
        chosen = {u.pk for u in units}
        for unit in units:
            period = existing.get(unit.pk)
            if period is None:
                period = ReportingPeriod(unit=unit, year=year, quarter=quarter, deadline=deadline)
                save_or_explain(period)
                result.created.append(period)
            elif period.deadline != deadline:
                period.deadline = deadline
                period.overdue_at = None  # judged again against the new deadline by the daily job
                save_or_explain(period, update_fields=["deadline", "overdue_at"])
                result.updated.append(period)
        started = set(
            QuarterlyReport.objects.filter(year=year, quarter=quarter, unit_id__in=list(existing)).values_list(
                "unit_id", flat=True
            )
        )
        for unit_id, period in existing.items():
            if unit_id in chosen:
                continue
            if unit_id in started:
                result.kept.append(period)
            else:
                result.removed.append(period.unit.name)
                period.delete()
    return result


# --- The report's version (optimistic concurrency) ---


def report_version(report: QuarterlyReport | None) -> str:
    return row_version(report) if report is not None and report.pk else NEW_REPORT


def _lock(period: ReportingPeriod, version: str) -> QuarterlyReport | None:
    """The period's report, locked, if it is still as the user saw it; the period row serialises creation."""
    ReportingPeriod.objects.select_for_update().filter(pk=period.pk).first()
    report = (
        QuarterlyReport.objects.select_for_update()
        .filter(unit_id=period.unit_id, year=period.year, quarter=period.quarter)
        .first()
    )
    if report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        raise AlreadySubmitted(
            {
                NON_FIELD_ERRORS: [
                    _("Báo cáo này đã được nộp lúc %(time)s (lần nộp %(number)s); không nộp, không sửa lại được.")
                    % {"time": _moment(report.submitted_at), "number": report.version}
                ]
            },
            code="already_submitted",
        )
    if version != report_version(report):
        raise ValidationError({NON_FIELD_ERRORS: [_(STALE_MESSAGE)]}, code="stale")
    return report


def _moment(value: datetime.datetime | None) -> str:
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{local:%H:%M} ngày {format_date(local.date())}"


# --- Checking what the unit wrote ---


def _text(value: str | None) -> str:
    """NFC, single spaces within lines; lines kept (they are the paragraphs), blank runs collapsed."""
    lines = [normalize_text(line) for line in (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _clean_data(data: dict) -> dict:
    values = {name: _text(data.get(name)) for name in SECTION_FIELDS if name in data}
    if "document_number" in data:
        values["document_number"] = clean_symbol(normalize_text(data.get("document_number") or ""))
    if "document_date" in data:
        values["document_date"] = data.get("document_date") or None
    for name in ("signer_title", "signer_name"):
        if name in data:
            values[name] = normalize_text(data.get(name) or "")
    return values


def _clean_adjustments(rows: list[dict], figures: dict) -> tuple[list[dict], list[str]]:
    """The adjustments as stored ({"figure", "delta", "explanation"}), and what is wrong with them (by row)."""
    choices = dict(figures_module.figure_choices(figures))
    cleaned, errors = [], []
    if len(rows) > MAX_ADJUSTMENTS:
        errors.append(_("Tối đa %(n)s điều chỉnh trong một báo cáo.") % {"n": MAX_ADJUSTMENTS})
    for number, row in enumerate(rows[:MAX_ADJUSTMENTS], start=1):
        key, explanation = row.get("figure") or "", _text(row.get("explanation"))
        try:
            delta = int(row.get("delta"))
        except (TypeError, ValueError):
            delta = 0
        if key not in choices:
            errors.append(_("Điều chỉnh thứ %(n)s: chỉ tiêu không có trong báo cáo quý này.") % {"n": number})
            continue
        if delta == 0:
            errors.append(_("Điều chỉnh thứ %(n)s: số điều chỉnh phải khác 0 (ví dụ +1 hoặc -1).") % {"n": number})
        if not explanation:
            errors.append(_("Điều chỉnh thứ %(n)s: phải giải trình lý do điều chỉnh.") % {"n": number})
        cleaned.append({"figure": key, "label": choices[key], "delta": delta, "explanation": explanation})
    for cell_row in figures_module.movement_table(figures, cleaned):
        for cell in cell_row.cells:
            if cell.reported < 0:
                errors.append(
                    _("Sau điều chỉnh, «%(label)s» âm (%(value)s); số điều chỉnh không được lớn hơn số trong sổ.")
                    % {"label": f"{figures_module.COLUMN_LABELS[cell.key]} — {cell_row.label}", "value": cell.reported}
                )
    return cleaned, errors


def _number_errors(report: QuarterlyReport) -> list[str]:
    symbol = report.document_number
    if not symbol:
        return [_("Nộp báo cáo phải ghi số, ký hiệu của văn bản, ví dụ 123-BC/HU.")]
    if not re.fullmatch(DOCUMENT_NUMBER_PATTERN, symbol):
        return [
            _("Số, ký hiệu “%(symbol)s” không đúng mẫu. %(rule)s") % {"symbol": symbol, "rule": DOCUMENT_NUMBER_MESSAGE}
        ]
    number, rest = symbol.split("-", 1)
    doc_type, issuer = rest.split("/", 1)
    errors = []
    if doc_type != REPORT_DOC_TYPE:
        errors.append(
            _("Báo cáo có ký hiệu loại văn bản là BC (ví dụ 123-BC/HU), không phải %(type)s.") % {"type": doc_type}
        )
    abbreviation = report.unit.abbreviation
    if abbreviation and issuer != abbreviation:
        errors.append(
            _("Ký hiệu cơ quan ban hành của %(unit)s là %(code)s (ví dụ %(example)s), không phải %(given)s.")
            % {
                "unit": report.unit.name,
                "code": abbreviation,
                "example": f"{number}-BC/{abbreviation}",
                "given": issuer,
            }
        )
    if errors or report.document_date is None:
        return errors
    term = Term.congress_term_on(report.document_date)
    others = QuarterlyReport.objects.filter(unit_id=report.unit_id).exclude(pk=report.pk).exclude(document_number="")
    for other in others.only("document_number", "document_date", "year", "quarter"):
        parsed = _parsed_symbol(other.document_number)
        same_term = other.document_date is not None and Term.congress_term_on(other.document_date) == term
        if same_term and parsed == (int(number), REPORT_DOC_TYPE):
            errors.append(
                _("Số %(symbol)s đã được dùng cho báo cáo quý %(quarter)s/%(year)s của đơn vị trong cùng nhiệm kỳ.")
                % {"symbol": symbol, "quarter": other.quarter, "year": other.year}
            )
            break
    return errors


def _parsed_symbol(symbol: str) -> tuple[int, str] | None:
    match = re.fullmatch(r"([0-9]+)-([^/]+)/.+", symbol or "")
    return (int(match[1]), match[2]) if match else None


def _submission_errors(report: QuarterlyReport, today: datetime.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in REQUIRED_SECTIONS:
        if not getattr(report, name).strip():
            errors[name] = [_("Nộp báo cáo phải viết mục «%(section)s».") % {"section": SECTION_NAMES[name]}]
    start, _end = quarter_bounds(report.year, report.quarter)
    if report.document_date is None:
        errors["document_date"] = [_("Phải ghi ngày ký văn bản.")]
    elif report.document_date > today:
        errors["document_date"] = [_("Ngày ký %(day)s chưa đến.") % {"day": format_date(report.document_date)}]
    elif report.document_date < start:
        errors["document_date"] = [
            _("Ngày ký không được trước ngày đầu quý báo cáo (%(day)s).") % {"day": format_date(start)}
        ]
    number_errors = _number_errors(report)
    if number_errors:
        errors["document_number"] = number_errors
    if report.signer_title.upper() not in SIGNER_TITLES:
        errors["signer_title"] = [_("Phải chọn chức vụ người ký: Bí thư hoặc Phó Bí thư (ký T/M Ban Thường vụ).")]
    if not report.signer_name:
        errors["signer_name"] = [_("Phải ghi họ tên người ký.")]
    return errors


# --- Who may do what (the views check first; these are the last line) ---


def _require_filer(actor, period: ReportingPeriod) -> None:
    """The unit's office files. An administrator may record a report received on paper through the services
    (the demo does, for units without an account); the pages let only the unit's office file."""
    if actor.sees_everything:
        return
    if actor.role != Role.UNIT_OFFICE or not ReportingPeriod.objects.visible_to(actor).filter(pk=period.pk).exists():
        raise PermissionDenied(_("Chỉ văn phòng cấp ủy của đơn vị được lập và nộp báo cáo quý của đơn vị."))


def _require_board(actor) -> None:
    if not actor.can_edit_registry:
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được giao kỳ báo cáo và duyệt báo cáo quý."))


# --- Filing ---


def _apply(report: QuarterlyReport, data: dict) -> None:
    for name, value in _clean_data(data).items():
        setattr(report, name, value)


@transaction.atomic
def report_save(
    *, actor, period: ReportingPeriod, version: str, data: dict, adjustments: list[dict]
) -> QuarterlyReport:
    """Save the draft (created on the first save): sections, adjustments, document details. No figures frozen."""
    _require_filer(actor, period)
    with audit_context(actor=actor, reason=f"Lưu dự thảo báo cáo quý {period.quarter}/{period.year}"):
        report = _lock(period, version) or QuarterlyReport(
            unit_id=period.unit_id, year=period.year, quarter=period.quarter
        )
        report.unit = period.unit
        _apply(report, data)
        figures = figures_module.prefill(user=actor, unit=period.unit, year=period.year, quarter=period.quarter)
        cleaned, adjustment_errors = _clean_adjustments(adjustments, figures)
        if adjustment_errors:
            raise ValidationError({"adjustments": adjustment_errors})
        report.adjustments = cleaned
        save_or_explain(report)
        return report


@transaction.atomic
def report_submit(
    *,
    actor,
    period: ReportingPeriod,
    version: str,
    data: dict,
    adjustments: list[dict],
    at: datetime.datetime | None = None,
) -> QuarterlyReport:
    """Check and submit: freeze the figures (snapshot, fingerprint, data version) and keep the submission.

    `at` is the moment of submission (default now): a report received on paper and recorded later
    keeps the day it arrived, which decides whether it was on time.
    """
    from reports.runs import current_fingerprint

    _require_filer(actor, period)
    with audit_context(actor=actor, reason=f"Nộp báo cáo quý {period.quarter}/{period.year}"):
        report = _lock(period, version) or QuarterlyReport(
            unit_id=period.unit_id, year=period.year, quarter=period.quarter
        )
        report.unit = period.unit
        _apply(report, data)
        now = at or timezone.now()
        errors = _submission_errors(report, timezone.localdate(now))
        registry_version = current_fingerprint()
        figures = figures_module.prefill(user=actor, unit=period.unit, year=period.year, quarter=period.quarter)
        cleaned, adjustment_errors = _clean_adjustments(adjustments, figures)
        if adjustment_errors:
            errors["adjustments"] = adjustment_errors
        if errors:
            raise ValidationError(errors)
        report.adjustments = cleaned
        report.figures = figures
        report.fingerprint = figures_module.fingerprint(figures)
        report.registry_version = registry_version
        report.version += 1
        report.status = ReportStatus.SUBMITTED
        report.submitted_by = actor
        report.submitted_at = now
        report.first_submitted_at = report.first_submitted_at or now
        report.reviewed_by, report.reviewed_at, report.review_comment = None, None, ""
        save_or_explain(report)
        QuarterlyReportVersion.objects.create(
            report=report,
            number=report.version,
            figures=figures,
            fingerprint=report.fingerprint,
            registry_version=registry_version,
            adjustments=cleaned,
            sections={name: getattr(report, name) for name in SECTION_FIELDS},
            document_number=report.document_number,
            document_date=report.document_date,
            signer_title=report.signer_title,
            signer_name=report.signer_name,
            submitted_by=actor,
            submitted_at=now,
        )
        return report


# --- Review ---


def _lock_submitted(period: ReportingPeriod, version: str) -> QuarterlyReport:
    report = (
        QuarterlyReport.objects.select_for_update()
        .filter(unit_id=period.unit_id, year=period.year, quarter=period.quarter)
        .first()
    )
    if report is None or report.status != ReportStatus.SUBMITTED:
        state = report.get_status_display().lower() if report else _("chưa nộp")
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("Báo cáo không chờ duyệt (đang ở trạng thái: %(state)s); không làm gì.") % {"state": state}
                ]
            },
            code="not_submitted",
        )
    if version != report_version(report):
        raise ValidationError({NON_FIELD_ERRORS: [_(STALE_MESSAGE)]}, code="stale")
    return report


def _review(*, actor, period, version, comment: str, outcome: str, at=None) -> QuarterlyReport:
    _require_board(actor)
    if not ReportingPeriod.objects.visible_to(actor).filter(pk=period.pk).exists():
        raise PermissionDenied
    comment = _text(comment)
    report = _lock_submitted(period, version)
    if outcome == VersionOutcome.RETURNED and not comment:
        raise ValidationError({"comment": [_("Trả lại báo cáo phải ghi ý kiến: đơn vị cần sửa, bổ sung gì.")]})
    now = at or timezone.now()
    report.status = ReportStatus.RETURNED if outcome == VersionOutcome.RETURNED else ReportStatus.ACCEPTED
    report.reviewed_by, report.reviewed_at, report.review_comment = actor, now, comment
    save_or_explain(report, update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    updated = QuarterlyReportVersion.objects.filter(report=report, number=report.version, outcome="").update(
        outcome=outcome, reviewed_by=actor, reviewed_at=now, review_comment=comment
    )
    if updated != 1:  # the version row and the report moved together; anything else is a bug
        raise ValidationError({NON_FIELD_ERRORS: [_(STALE_MESSAGE)]}, code="stale")
    return report


@transaction.atomic
def report_return(
    *, actor, period: ReportingPeriod, version: str, comment: str, at: datetime.datetime | None = None
) -> QuarterlyReport:
    """Send a submitted report back to the unit with a comment; the unit edits it and submits again."""
    with audit_context(actor=actor, reason=f"Trả lại báo cáo quý {period.quarter}/{period.year}"):
        return _review(
            actor=actor, period=period, version=version, comment=comment, outcome=VersionOutcome.RETURNED, at=at
        )


@transaction.atomic
def report_accept(
    *, actor, period: ReportingPeriod, version: str, comment: str = "", at: datetime.datetime | None = None
) -> QuarterlyReport:
    """Accept a submitted report: it is locked for good and counts in the province's report."""
    with audit_context(actor=actor, reason=f"Duyệt báo cáo quý {period.quarter}/{period.year}"):
        return _review(
            actor=actor, period=period, version=version, comment=comment, outcome=VersionOutcome.ACCEPTED, at=at
        )


# --- The daily job: overdue marks and reminders ---


def _not_submitted():
    return ~Exists(
        QuarterlyReport.objects.filter(
            unit_id=OuterRef("unit_id"),
            year=OuterRef("year"),
            quarter=OuterRef("quarter"),
            first_submitted_at__isnull=False,
        )
    )


def mark_overdue(*, today: datetime.date | None = None) -> int:
    """Mark the periods whose deadline has passed without a submission (once: a conditional UPDATE)."""
    today = today or timezone.localdate()
    with audit_context(reason="Đánh dấu báo cáo quý quá hạn (việc chạy hằng ngày)"):
        return (
            ReportingPeriod.objects.filter(deadline__lt=today, overdue_at__isnull=True)
            .filter(_not_submitted())
            .update(overdue_at=timezone.now())
        )


def reminder_recipients(period: ReportingPeriod, today: datetime.date) -> list[str]:
    """E-mail addresses of the unit's office: active unit-office users working at or scoped on the unit."""
    scoped = (
        Q(scopes__unit_id=period.unit_id)
        & (Q(scopes__valid_from__isnull=True) | Q(scopes__valid_from__lte=today))
        & (Q(scopes__valid_to__isnull=True) | Q(scopes__valid_to__gte=today))
    )
    users = (
        User.objects.filter(is_active=True, role=Role.UNIT_OFFICE)
        .exclude(email="")
        .filter(Q(office_unit_id=period.unit_id) | scoped)
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(users))


def _reminder_message(period: ReportingPeriod, kind: str, today: datetime.date) -> tuple[str, str]:
    quarter = f"{period.quarter_roman}/{period.year}"
    deadline = format_date(period.deadline)
    link = settings.SITE_URL.rstrip("/") + reverse("quarterly:edit", args=[period.pk])
    if kind == ReminderKind.BEFORE:
        subject = f"Nhắc nộp báo cáo quý {quarter}: hạn {deadline}"
        days = (period.deadline - today).days
        when = "hôm nay" if days == 0 else f"còn {days} ngày"
        lead = (
            f"Báo cáo kết quả công tác luân chuyển cán bộ quý {quarter} của {period.unit.name} hạn nộp ngày "
            f"{deadline} ({when})."
        )
    else:
        subject = f"Báo cáo quý {quarter} đã quá hạn ({deadline})"
        lead = (
            f"Báo cáo kết quả công tác luân chuyển cán bộ quý {quarter} của {period.unit.name} đã quá hạn nộp "
            f"(hạn ngày {deadline}) mà Ban Tổ chức Tỉnh ủy chưa nhận được."
        )
    body = (
        f"{lead}\n\nBáo cáo đã có sẵn số liệu từ sổ luân chuyển; văn phòng cấp ủy viết các mục, kiểm tra số liệu "
        f"và bấm «Nộp báo cáo»:\n{link}\n\nThư này do hệ thống Sổ luân chuyển cán bộ gửi tự động; mỗi kỳ chỉ gửi "
        "một thư nhắc trước hạn và một thư khi quá hạn."
    )
    return subject, body


@dataclass
class RemindersResult:
    overdue_marked: int = 0
    sent: list[tuple[int, str]] = field(default_factory=list)  # (period id, kind)


def _due_reminders(today: datetime.date):
    before = getattr(settings, "QUARTERLY_REMINDER_DAYS_BEFORE", 5)
    after = getattr(settings, "QUARTERLY_REMINDER_DAYS_AFTER", 1)
    periods = ReportingPeriod.objects.filter(_not_submitted()).select_related("unit").order_by("deadline", "pk")
    due_before = periods.filter(deadline__gte=today, deadline__lte=today + datetime.timedelta(days=before))
    last_after = today - datetime.timedelta(days=after)
    due_after = periods.filter(
        deadline__lte=last_after, deadline__gte=last_after - datetime.timedelta(days=REMINDER_AFTER_WINDOW_DAYS)
    )
    return [(p, ReminderKind.BEFORE) for p in due_before] + [(p, ReminderKind.AFTER) for p in due_after]


def send_reminder(period: ReportingPeriod, kind: str, today: datetime.date) -> bool:
    """Claim the (period, kind, deadline) row and send the e-mail in one transaction: True if sent now.

    A second run (or a concurrent one: the unique row makes it wait, then find the row) sends nothing.
    If the e-mail cannot be sent, the claim is rolled back and the next run tries again.
    """
    with transaction.atomic():
        recipients = reminder_recipients(period, today)
        reminder, created = ReminderSent.objects.get_or_create(
            period=period, kind=kind, deadline=period.deadline, defaults={"recipients": ", ".join(recipients)}
        )
        if not created:
            return False
        if recipients:
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = _reminder_message(period, kind, today)
            send_mail(subject, body, None, recipients)
        else:
            logger.warning(
                "Báo cáo quý: không có địa chỉ thư của văn phòng %s; ghi nhận nhắc mà không gửi.", period.unit
            )
        return True


def reminders_job(*, today: datetime.date | None = None) -> RemindersResult:
    """The daily job: mark overdue periods, then send each reminder that is due and not sent yet."""
    today = today or timezone.localdate()
    result = RemindersResult(overdue_marked=mark_overdue(today=today))
    with audit_context(reason="Nhắc nộp báo cáo quý (việc chạy hằng ngày)"):
        for period, kind in _due_reminders(today):
            if send_reminder(period, kind, today):
                result.sent.append((period.pk, kind))
    return result
