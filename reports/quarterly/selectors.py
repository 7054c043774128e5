"""Reads for quarterly reports: every queryset starts from `visible_to(user)` (accounts.scopes).

A unit office's scope is its own committee (and its territory), so it sees its own periods and
reports only; board staff and leaders see every reporting unit in their scope. Anything outside the
scope answers 404, whatever the id in the URL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from reports.models import (
    QuarterlyReport,
    QuarterlyReportVersion,
    ReportingPeriod,
    ReportStatus,
    quarter_bounds,
)
from reports.quarterly import prefill as figures_module
from rotation_registry.common.formatting import format_percent
from units.models import Unit, UnitKind

STATUS_LABELS = dict(ReportStatus.choices)


def period_get_for_user(*, user, pk: int) -> ReportingPeriod:
    return get_object_or_404(ReportingPeriod.objects.visible_to(user).select_related("unit__parent"), pk=pk)


def report_of(period: ReportingPeriod) -> QuarterlyReport | None:
    return (
        QuarterlyReport.objects.filter(unit_id=period.unit_id, year=period.year, quarter=period.quarter)
        .select_related("unit__parent", "submitted_by", "reviewed_by")
        .first()
    )


def versions_of(report: QuarterlyReport | None) -> list[QuarterlyReportVersion]:
    if report is None:
        return []
    return list(
        QuarterlyReportVersion.objects.filter(report=report)
        .select_related("submitted_by", "reviewed_by")
        .defer("figures")
        .order_by("-number")
    )


def version_get_for_user(*, user, pk: int) -> QuarterlyReportVersion:
    visible = QuarterlyReportVersion.objects.filter(report__in=QuarterlyReport.objects.visible_to(user))
    return get_object_or_404(visible.select_related("report__unit__parent", "submitted_by", "reviewed_by"), pk=pk)


def period_of_version(*, user, version: QuarterlyReportVersion) -> ReportingPeriod | None:
    report = version.report
    return (
        ReportingPeriod.objects.visible_to(user)
        .filter(unit_id=report.unit_id, year=report.year, quarter=report.quarter)
        .first()
    )


# --- The state of a period (the completeness board's row) ---


def _report_value(name: str):
    return Subquery(
        QuarterlyReport.objects.filter(
            unit_id=OuterRef("unit_id"), year=OuterRef("year"), quarter=OuterRef("quarter")
        ).values(name)[:1]
    )


def with_report_state(periods):
    """Periods annotated with their report's status and times (one indexed lookup per column)."""
    return periods.annotate(
        report_status=_report_value("status"),
        report_version=_report_value("version"),
        report_first_submitted_at=_report_value("first_submitted_at"),
        report_submitted_at=_report_value("submitted_at"),
        report_reviewed_at=_report_value("reviewed_at"),
    )


@dataclass
class PeriodRow:
    period: ReportingPeriod
    status: str
    first_submitted_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    version: int
    late: bool
    days_late: int | None
    on_time: int = 0
    judged: int = 0

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def submitted(self) -> bool:
        return self.first_submitted_at is not None

    @property
    def on_time_rate(self) -> str:
        return format_percent(self.on_time, self.judged, 1) if self.judged else "—"

    # Display values, computed once per row in Python: the completeness board lists 100 units and more,
    # and Django's template filters (date, blocktranslate, include) cost more than the page's queries.

    @property
    def late_text(self) -> str:
        if not self.late:
            return gettext("đúng hạn") if self.submitted else ""
        if self.submitted:
            return ngettext("nộp muộn %(days)s ngày", "nộp muộn %(days)s ngày", self.days_late) % {
                "days": self.days_late
            }
        return ngettext("quá hạn %(days)s ngày", "quá hạn %(days)s ngày", self.days_late) % {"days": self.days_late}

    @property
    def record_text(self) -> str:
        return f"{self.on_time}/{self.judged} ({self.on_time_rate})" if self.judged else "—"

    @property
    def first_text(self) -> str:
        return moment_text(self.first_submitted_at)

    @property
    def last_text(self) -> str:
        text = moment_text(self.submitted_at)
        if self.submitted_at and self.version > 1:
            text += " " + gettext("(lần %(n)s)") % {"n": self.version}
        return text

    @property
    def reviewed_text(self) -> str:
        return moment_text(self.reviewed_at)


def moment_text(value: datetime.datetime | None) -> str:
    """'09:30 19/6/2025' in local time; a dash when there is none."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return f"{local:%H:%M} {local.day}/{local.month}/{local.year}"


def period_row(period: ReportingPeriod, today: datetime.date) -> PeriodRow:
    """The state of an annotated period (with_report_state): late = first submitted after the deadline,
    or not submitted and the deadline has passed. A returned report was submitted: its first
    submission decides."""
    first = period.report_first_submitted_at
    if first is not None:
        arrived = timezone.localdate(first)
        late = arrived > period.deadline
        days_late = (arrived - period.deadline).days if late else None
    else:
        late = today > period.deadline
        days_late = (today - period.deadline).days if late else None
    return PeriodRow(
        period=period,
        status=period.report_status or ReportStatus.NOT_SUBMITTED,
        first_submitted_at=first,
        submitted_at=period.report_submitted_at,
        reviewed_at=period.report_reviewed_at,
        version=period.report_version or 0,
        late=late,
        days_late=days_late,
    )


def period_state(*, period: ReportingPeriod, today: datetime.date | None = None) -> PeriodRow:
    annotated = with_report_state(ReportingPeriod.objects.filter(pk=period.pk)).select_related("unit").get()
    return period_row(annotated, today or timezone.localdate())


# --- A unit office's own periods ---


def own_periods(*, user, today: datetime.date | None = None) -> list[PeriodRow]:
    today = today or timezone.localdate()
    periods = with_report_state(ReportingPeriod.objects.visible_to(user).select_related("unit"))
    return [period_row(p, today) for p in periods.order_by("-year", "-quarter", "unit__sort_key")[:200]]


# --- The completeness board ---


def quarters(*, user) -> list[tuple[int, int]]:
    """The quarters that have reporting periods in the user's scope, newest first."""
    rows = (
        ReportingPeriod.objects.visible_to(user)
        .order_by()
        .values_list("year", "quarter")
        .distinct()
        .order_by("-year", "-quarter")
    )
    return list(rows)


def default_quarter(available: list[tuple[int, int]], today: datetime.date) -> tuple[int, int]:
    """The latest quarter that has begun (the one being reported now), else the latest set."""
    current = (today.year, (today.month - 1) // 3 + 1)
    begun = [q for q in available if q <= current]
    if begun:
        return begun[0]
    if available:
        return available[-1]
    return current


@dataclass
class Board:
    year: int
    quarter: int
    rows: list[PeriodRow]
    deadline_dates: list[datetime.date] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def not_submitted(self) -> int:
        return self.count(ReportStatus.NOT_SUBMITTED)

    @property
    def submitted(self) -> int:
        return self.count(ReportStatus.SUBMITTED)

    @property
    def returned(self) -> int:
        return self.count(ReportStatus.RETURNED)

    @property
    def accepted(self) -> int:
        return self.count(ReportStatus.ACCEPTED)

    @property
    def late(self) -> int:
        return sum(1 for row in self.rows if row.late)

    @property
    def on_time_share(self) -> str:
        arrived = [row for row in self.rows if row.submitted]
        return format_percent(sum(1 for row in arrived if not row.late), len(self.rows), 1) if self.rows else "—"


def completeness(*, user, year: int, quarter: int, today: datetime.date | None = None) -> Board:
    """Every reporting unit of the quarter in the user's scope, its report's state, lateness and on-time record.

    Three queries whatever the number of units: the periods with their reports' state, and each unit's
    on-time record over the quarters up to this one (periods whose deadline has passed or that were
    submitted; on time = first submitted by the end of the deadline day, local time).
    """
    today = today or timezone.localdate()
    periods = with_report_state(
        ReportingPeriod.objects.visible_to(user).filter(year=year, quarter=quarter).select_related("unit")
    ).order_by("unit__sort_key", "pk")
    rows = [period_row(p, today) for p in periods]
    if rows:
        first = TruncDate(_report_value("first_submitted_at"), tzinfo=timezone.get_current_timezone())
        record = (
            ReportingPeriod.objects.filter(unit_id__in=[row.period.unit_id for row in rows])
            .filter(Q(year__lt=year) | Q(year=year, quarter__lte=quarter))
            .annotate(first_day=first)
            .filter(Q(deadline__lt=today) | Q(first_day__isnull=False))
            .order_by()
            .values("unit_id")
            .annotate(judged=Count("pk"), on_time=Count("pk", filter=Q(first_day__lte=F("deadline"))))
        )
        by_unit = {r["unit_id"]: r for r in record}
        for row in rows:
            history = by_unit.get(row.period.unit_id)
            if history:
                row.judged, row.on_time = history["judged"], history["on_time"]
    deadlines = sorted({row.period.deadline for row in rows})
    return Board(year=year, quarter=quarter, rows=rows, deadline_dates=deadlines)


# --- The province's report ---


def province_for(*, user, day: datetime.date) -> Unit | None:
    """The province the user's scope lies in (the registry's province, REGISTRY_PROVINCE_CODE, for those who
    see everything), valid on `day`."""
    from django.conf import settings

    provinces = Unit.objects.visible_to(user).filter(kind=UnitKind.PROVINCE).valid_on(day).order_by("sort_key", "pk")
    code = str(getattr(settings, "REGISTRY_PROVINCE_CODE", ""))
    return provinces.filter(official_code=code).first() or provinces.first()


@dataclass
class UnitFigures:
    row: PeriodRow
    report: QuarterlyReport
    totals: dict[str, int]  # reported (registry + adjustments) started / ended / in force
    adjustments: list[dict]


@dataclass
class Comparison:
    label: str
    now: dict[str, int]
    before: dict[str, int]

    def change(self, column: str) -> int:
        return self.now.get(column, 0) - self.before.get(column, 0)

    @property
    def cells(self) -> list[tuple[int, int, int]]:
        """(this quarter, the same quarter a year before, change) per column, in column order."""
        return [(self.now[c], self.before[c], self.change(c)) for c, _ in figures_module.COLUMNS]


@dataclass
class ProvinceReport:
    province: Unit
    year: int
    quarter: int
    start: datetime.date
    end: datetime.date
    board: Board
    accepted: list[UnitFigures]
    waiting: list[PeriodRow]  # submitted or returned, not accepted: not in the totals
    missing: list[PeriodRow]  # not submitted
    reported_totals: dict[str, int]
    comparison: list[Comparison]
    narrative: dict[str, list[tuple[str, str]]]  # section -> [(unit name, text)] from the accepted reports

    @property
    def previous_year(self) -> int:
        return self.year - 1

    @property
    def quarter_roman(self) -> str:
        from reports.models import ROMAN_QUARTERS

        return ROMAN_QUARTERS[self.quarter]


def _comparison(now: dict, before: dict) -> list[Comparison]:
    now_rows = {row["key"]: row for row in now["rows"]}
    before_rows = {row["key"]: row for row in before["rows"]}
    keys = sorted(set(now_rows) | set(before_rows), key=lambda key: figures_module.DIRECTION_ORDER.get(key, 99))
    columns = [column for column, _ in figures_module.COLUMNS]
    rows = [
        Comparison(
            label=figures_module.TOTAL_LABEL,
            now={c: now["total"][c] for c in columns},
            before={c: before["total"][c] for c in columns},
        )
    ]
    for key in keys:
        label = (now_rows.get(key) or before_rows.get(key))["label"]
        rows.append(
            Comparison(
                label=label,
                now={c: now_rows.get(key, {}).get(c, 0) for c in columns},
                before={c: before_rows.get(key, {}).get(c, 0) for c in columns},
            )
        )
    return rows


def province_report(*, user, year: int, quarter: int, today: datetime.date | None = None) -> ProvinceReport | None:
    """The province's report for a quarter: accepted reports summed, the registry's figures against the same
    quarter a year before, and the units that have not reported, named."""
    start, end = quarter_bounds(year, quarter)
    province = province_for(user=user, day=end)
    if province is None:
        return None
    board = completeness(user=user, year=year, quarter=quarter, today=today)
    rows = [row for row in board.rows if row.period.unit.path.startswith(province.path)]
    accepted_rows = {row.period.unit_id: row for row in rows if row.status == ReportStatus.ACCEPTED}
    reports = QuarterlyReport.objects.visible_to(user).filter(
        year=year, quarter=quarter, status=ReportStatus.ACCEPTED, unit_id__in=list(accepted_rows)
    )
    accepted = []
    for report in reports.select_related("unit").order_by("unit__sort_key"):
        totals = figures_module.reported_totals(report.figures, report.adjustments)
        accepted.append(
            UnitFigures(row=accepted_rows[report.unit_id], report=report, totals=totals, adjustments=report.adjustments)
        )
    columns = [column for column, _ in figures_module.COLUMNS]
    reported_totals = {c: sum(item.totals[c] for item in accepted) for c in columns}
    before_start, before_end = quarter_bounds(year - 1, quarter)
    now = figures_module.movement_counts(user=user, territory=province, start=start, end=end)
    before = figures_module.movement_counts(user=user, territory=province, start=before_start, end=before_end)
    narrative: dict[str, list[tuple[str, str]]] = {}
    for name in ("results", "strengths", "weaknesses", "causes", "next_quarter", "proposals"):
        narrative[name] = [
            (item.report.unit.name, getattr(item.report, name)) for item in accepted if getattr(item.report, name)
        ]
    return ProvinceReport(
        province=province,
        year=year,
        quarter=quarter,
        start=start,
        end=end,
        board=board,
        accepted=accepted,
        waiting=[row for row in rows if row.status in (ReportStatus.SUBMITTED, ReportStatus.RETURNED)],
        missing=[row for row in rows if row.status == ReportStatus.NOT_SUBMITTED],
        reported_totals=reported_totals,
        comparison=_comparison(now, before),
        narrative=narrative,
    )
