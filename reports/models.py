"""Quarterly reports of subordinate committees and the periods they must report for."""

from __future__ import annotations

import datetime

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.audit import audited
from rotation_registry.common.record_urls import record_url


class ReportStatus(models.TextChoices):
    NOT_SUBMITTED = "draft", _("Chưa nộp")
    SUBMITTED = "submitted", _("Đã nộp")
    RETURNED = "returned", _("Trả lại")
    ACCEPTED = "accepted", _("Đã duyệt")


# --- Quarterly reports (docs/quarterly-reports.md) ---


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a quarter: (1/4/2025, 30/6/2025) for quarter 2 of 2025."""
    first = datetime.date(year, 3 * quarter - 2, 1)
    last_month = 3 * quarter
    last = datetime.date(year, 12, 31) if last_month == 12 else datetime.date(year, last_month + 1, 1) - _ONE_DAY
    return first, last


_ONE_DAY = datetime.timedelta(days=1)
ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}


class ReportingPeriodQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReportingPeriodQuerySet:
        from accounts.scopes import scope_filter

        return self.filter(scope_filter(user, "unit__path"))


@audited()
class ReportingPeriod(models.Model):
    """Which unit must report for which quarter, and by when.

    The board sets the periods of a quarter (reports.quarterly.services.periods_set); the unit's
    report is the QuarterlyReport with the same unit, year and quarter. `overdue_at` is set once by
    the daily job when the deadline has passed without a submission.
    """

    unit = models.ForeignKey("units.Unit", verbose_name=_("đơn vị báo cáo"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"))
    deadline = models.DateField(_("hạn nộp"))
    overdue_at = models.DateTimeField(_("ghi nhận quá hạn lúc"), null=True, blank=True, editable=False)

    objects = ReportingPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"],
                name="reporting_period_unique",
                violation_error_message=_("Đơn vị đã có kỳ báo cáo này."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="reporting_period_quarter",
                violation_error_message=_("Quý phải từ 1 đến 4."),
            ),
        ]
        indexes = [models.Index(fields=["year", "quarter"], name="reporting_period_quarter_idx")]

    def __str__(self) -> str:
        return _("%(unit)s — quý %(quarter)s/%(year)s") % {
            "unit": self.unit,
            "quarter": self.quarter,
            "year": self.year,
        }

    def get_absolute_url(self) -> str:
        # The completeness board links every one of its 100-odd periods: the route is resolved once.
        return record_url("quarterly:detail", self.pk)

    @property
    def start(self) -> datetime.date:
        return quarter_bounds(self.year, self.quarter)[0]

    @property
    def end(self) -> datetime.date:
        return quarter_bounds(self.year, self.quarter)[1]

    @property
    def quarter_roman(self) -> str:
        return ROMAN_QUARTERS[self.quarter]


class QuarterlyReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> QuarterlyReportQuerySet:
        from accounts.scopes import scope_filter

        return self.filter(scope_filter(user, "unit__path"))


# Fields a submission freezes: once submitted they change only by a new submission after a return.
FROZEN_REPORT_COLUMNS = (
    "unit_id",
    "year",
    "quarter",
    "figures",
    "adjustments",
    "results",
    "strengths",
    "weaknesses",
    "causes",
    "next_quarter",
    "proposals",
    "document_number",
    "document_date",
    "signer_title",
    "signer_name",
    "version",
    "fingerprint",
    "registry_version",
    "submitted_by_id",
    "submitted_at",
    "first_submitted_at",
)
_FROZEN_OLD = ", ".join(f"OLD.{name}" for name in FROZEN_REPORT_COLUMNS)
_FROZEN_NEW = ", ".join(f"NEW.{name}" for name in FROZEN_REPORT_COLUMNS)
# The message of the trigger below and of the services, which check first (same words).
LOCKED_MESSAGE = _("Báo cáo đã nộp hoặc đã duyệt thì không sửa được; chỉ báo cáo bị trả lại mới được sửa và nộp lại.")


@audited()
@pgtrigger.register(
    # Nobody edits a submitted or accepted report: not the services (they check first), not the admin,
    # not SQL. A submitted report may only be returned or accepted; an accepted one never changes.
    pgtrigger.Trigger(
        name="quarterly_report_locked",
        operation=pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=f"""
            IF TG_OP = 'DELETE' THEN
                IF OLD.status <> 'draft' THEN
                    RAISE EXCEPTION 'Báo cáo quý đã nộp thì không xóa được (báo cáo %).', OLD.id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'quarterly_report_locked';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.status = 'accepted'
               OR (OLD.status = 'submitted' AND (NEW.status NOT IN ('submitted', 'returned', 'accepted')
                   OR ROW({_FROZEN_NEW}) IS DISTINCT FROM ROW({_FROZEN_OLD})))
               OR (NEW.status IN ('returned', 'accepted') AND OLD.status <> NEW.status AND OLD.status <> 'submitted')
            THEN
                RAISE EXCEPTION 'Báo cáo quý đã nộp hoặc đã duyệt thì không sửa được (báo cáo %).', OLD.id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'quarterly_report_locked';
            END IF;
            RETURN NEW;
        """,
    ),
)
class QuarterlyReport(models.Model):
    """A unit's quarterly report: its narrative, explained adjustments and, once submitted, a frozen snapshot.

    While a draft (or returned), the figures are computed from the registry each time the report is
    opened (reports.quarterly.prefill). Submitting freezes them: `figures` holds the snapshot,
    `fingerprint` its hash and `registry_version` the registry's data version it was taken at, and a
    QuarterlyReportVersion keeps that submission for good. `first_submitted_at` decides "on time".
    """

    unit = models.ForeignKey("units.Unit", verbose_name=_("đơn vị báo cáo"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.NOT_SUBMITTED
    )
    figures = models.JSONField(_("số liệu (bản chốt)"), default=dict, blank=True)
    adjustments = models.JSONField(_("điều chỉnh có giải trình"), default=list, blank=True)
    results = models.TextField(_("kết quả"), blank=True)
    strengths = models.TextField(_("ưu điểm"), blank=True)
    weaknesses = models.TextField(_("hạn chế"), blank=True)
    causes = models.TextField(_("nguyên nhân"), blank=True)
    next_quarter = models.TextField(_("phương hướng quý tới"), blank=True)
    proposals = models.TextField(_("đề xuất, kiến nghị"), blank=True)
    document_number = models.CharField(_("số, ký hiệu"), max_length=40, blank=True)
    document_date = models.DateField(_("ngày ký"), null=True, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=120, blank=True)
    version = models.PositiveSmallIntegerField(_("số lần nộp"), default=0)
    fingerprint = models.CharField(_("mã kiểm tra bản chốt"), max_length=64, blank=True)
    registry_version = models.BigIntegerField(_("phiên bản dữ liệu khi chốt"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("thời điểm nộp lần đầu"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("thời điểm duyệt"), null=True, blank=True)
    review_comment = models.TextField(_("ý kiến"), blank=True)

    objects = QuarterlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo quý")
        verbose_name_plural = _("báo cáo quý")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"],
                name="quarterly_report_unique",
                violation_error_message=_("Đơn vị đã có báo cáo cho quý này."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="quarterly_report_quarter",
                violation_error_message=_("Quý phải từ 1 đến 4."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(submitted_at__isnull=False) & ~Q(fingerprint="") & Q(version__gte=1)),
                name="quarterly_report_submitted_has_snapshot",
                violation_error_message=_("Báo cáo đã nộp phải có bản chốt số liệu."),
            ),
        ]
        indexes = [models.Index(fields=["year", "quarter"], name="quarterly_report_quarter_idx")]

    def __str__(self) -> str:
        return _("Báo cáo quý %(quarter)s/%(year)s — %(unit)s") % {
            "quarter": self.quarter,
            "year": self.year,
            "unit": self.unit,
        }

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.NOT_SUBMITTED, ReportStatus.RETURNED)


class VersionOutcome(models.TextChoices):
    PENDING = "", _("Chờ duyệt")
    RETURNED = "returned", _("Trả lại")
    ACCEPTED = "accepted", _("Đã duyệt")


@audited(pghistory.InsertEvent(), pghistory.UpdateEvent())
@pgtrigger.register(
    # A submission is kept as it was sent: only its review (once) may be written later; never deleted.
    pgtrigger.Trigger(
        name="quarterly_report_version_kept",
        operation=pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func="""
            IF TG_OP = 'DELETE' OR OLD.outcome <> ''
               OR ROW(NEW.report_id, NEW.number, NEW.figures, NEW.fingerprint, NEW.adjustments, NEW.sections,
                      NEW.document_number, NEW.submitted_at, NEW.submitted_by_id)
                  IS DISTINCT FROM
                  ROW(OLD.report_id, OLD.number, OLD.figures, OLD.fingerprint, OLD.adjustments, OLD.sections,
                      OLD.document_number, OLD.submitted_at, OLD.submitted_by_id)
            THEN
                RAISE EXCEPTION 'Mỗi lần nộp báo cáo quý được lưu nguyên như khi nộp (lần nộp %).', OLD.id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'quarterly_report_version_kept';
            END IF;
            RETURN NEW;
        """,
    ),
)
class QuarterlyReportVersion(models.Model):
    """One submission of a quarterly report, kept as it was sent, with the board's answer to it."""

    report = models.ForeignKey(
        QuarterlyReport, verbose_name=_("báo cáo quý"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("lần nộp"))
    figures = models.JSONField(_("số liệu (bản chốt)"))
    fingerprint = models.CharField(_("mã kiểm tra bản chốt"), max_length=64)
    registry_version = models.BigIntegerField(_("phiên bản dữ liệu khi chốt"), null=True, blank=True)
    adjustments = models.JSONField(_("điều chỉnh có giải trình"), default=list, blank=True)
    sections = models.JSONField(_("nội dung các mục"), default=dict)
    document_number = models.CharField(_("số, ký hiệu"), max_length=40)
    document_date = models.DateField(_("ngày ký"), null=True, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, blank=True)
    signer_name = models.CharField(_("họ tên người ký"), max_length=120, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người nộp"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("thời điểm nộp"))
    outcome = models.CharField(
        _("kết quả duyệt"), max_length=12, choices=VersionOutcome.choices, default=VersionOutcome.PENDING, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người duyệt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("thời điểm duyệt"), null=True, blank=True)
    review_comment = models.TextField(_("ý kiến"), blank=True)

    class Meta:
        verbose_name = _("lần nộp báo cáo quý")
        verbose_name_plural = _("các lần nộp báo cáo quý")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"],
                name="quarterly_report_version_unique",
                violation_error_message=_("Lần nộp này đã được ghi."),
            ),
        ]

    def __str__(self) -> str:
        return _("Lần nộp %(number)s — %(report)s") % {"number": self.number, "report": self.report}

    def get_absolute_url(self) -> str:
        return reverse("quarterly:version", args=[self.pk])


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("Nhắc trước hạn")
    AFTER = "after", _("Nhắc khi quá hạn")


@audited()
class ReminderSent(models.Model):
    """A reminder e-mail of a reporting period: one per period, kind and deadline, whatever the job's runs.

    The row is claimed (inserted) before the e-mail leaves, in the same transaction, so a second run of
    the job finds it and sends nothing; a new deadline gets its own reminders.
    """

    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("kỳ báo cáo"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("loại nhắc"), max_length=8, choices=ReminderKind.choices)
    deadline = models.DateField(_("hạn nộp khi nhắc"))
    sent_at = models.DateTimeField(_("thời điểm gửi"), default=timezone.now)
    recipients = models.TextField(_("người nhận"), blank=True)

    class Meta:
        verbose_name = _("thư nhắc báo cáo quý")
        verbose_name_plural = _("thư nhắc báo cáo quý")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "kind", "deadline"],
                name="reminder_once_per_deadline",
                violation_error_message=_("Thư nhắc này đã được gửi."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} — {self.get_kind_display()} ({self.deadline:%d/%m/%Y})"


# --- Statistics runs ---


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ tính")
    RUNNING = "running", _("Đang tính")
    DONE = "done", _("Đã tính xong")
    FAILED = "failed", _("Không tính được")


class RunTrigger(models.TextChoices):
    REQUEST = "request", _("Người dùng yêu cầu")
    CHANGE = "change", _("Dữ liệu thay đổi")
    NIGHTLY = "nightly", _("Tính lại hằng đêm")


class UnitOrRegistryQuerySet(models.QuerySet):
    """Records about one unit or about the whole registry (unit null): statistics runs, summaries."""

    def visible_to(self, user):
        from accounts.scopes import unit_or_registry_filter

        return self.filter(unit_or_registry_filter(user, "unit__path"))


class StatisticsRunQuerySet(UnitOrRegistryQuerySet):
    def done(self) -> StatisticsRunQuerySet:
        return self.filter(status=RunStatus.DONE)


class StatisticsRun(models.Model):
    """One computation of the statistics for one set of parameters, kept as it was computed.

    Runs are appended, never rewritten: a recompute is a new run, and dashboards read the latest
    done run for their parameters (`reports.selectors.latest_run`). `fingerprint` is the registry's
    data version (`reports.runs.current_fingerprint`) the results were computed from, so comparing
    it with the current version tells whether the data changed since. docs/statistics-jobs.md.
    """

    parameters = models.JSONField(_("tham số (dạng chuẩn)"))
    parameters_key = models.CharField(_("khóa tham số"), max_length=64, db_index=True, editable=False)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        # Figures can always be computed again; they never keep a unit from being removed.
        on_delete=models.CASCADE,
        related_name="+",
    )
    trigger = models.CharField(_("lý do tính"), max_length=8, choices=RunTrigger.choices, default=RunTrigger.REQUEST)
    status = models.CharField(_("trạng thái"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    fingerprint = models.BigIntegerField(_("phiên bản dữ liệu đã tính"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("thời điểm yêu cầu"), default=timezone.now)
    started_at = models.DateTimeField(_("thời điểm bắt đầu tính"), null=True, blank=True)
    finished_at = models.DateTimeField(_("thời điểm tính xong"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("thời gian tính (ms)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần bắt đầu tính"), default=0)
    results = models.JSONField(_("kết quả"), null=True, blank=True)
    results_hash = models.CharField(_("mã kiểm tra kết quả"), max_length=64, blank=True, editable=False)
    error = models.TextField(_("lỗi"), blank=True)
    task_id = models.CharField(_("mã công việc"), max_length=64, blank=True)

    objects = StatisticsRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần tính số liệu thống kê")
        verbose_name_plural = _("các lần tính số liệu thống kê")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Also the index behind "the latest done run for these parameters" (highest fingerprint).
            models.UniqueConstraint(
                fields=["parameters_key", "fingerprint"],
                condition=Q(status="done"),
                name="statistics_run_one_done_per_data_version",
                violation_error_message=_("Đã có kết quả tính cho tham số và phiên bản dữ liệu này."),
            ),
            models.UniqueConstraint(
                fields=["parameters_key"],
                condition=Q(status="queued"),
                name="statistics_run_one_queued_per_parameters",
                violation_error_message=_("Đã có một yêu cầu tính lại đang chờ cho các tham số này."),
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="statistics_run_progress_at_most_100",
                violation_error_message=_("Tiến độ không quá 100%."),
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(fingerprint__isnull=False) & Q(results__isnull=False)),
                name="statistics_run_done_has_results",
                violation_error_message=_("Lần tính đã xong phải có kết quả và phiên bản dữ liệu."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="statistics_run_status_idx"),
        ]

    def __str__(self) -> str:
        return _("Lần tính #%(pk)s (%(status)s)") % {"pk": self.pk, "status": self.get_status_display()}

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


# --- Leaders' summaries (docs/documents.md: "Leaders' summary and Biểu 11 PDF") ---


def summary_upload_to(instance, filename: str) -> str:
    return timezone.now().strftime("summaries/%Y/") + filename


class SummaryDocument(models.Model):
    """A leaders' summary (PDF) built by a Celery job from one done statistics run (reports.summaries).

    Reused while its run's fingerprint is the registry's current data version.
    """

    parameters = models.JSONField(_("tham số (dạng chuẩn)"))
    parameters_key = models.CharField(_("khóa tham số"), max_length=64, db_index=True, editable=False)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("đơn vị"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    run = models.ForeignKey(
        StatisticsRun,
        verbose_name=_("lần tính số liệu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fingerprint = models.BigIntegerField(_("phiên bản dữ liệu"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    step = models.CharField(_("bước đang làm"), max_length=120, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("thời điểm yêu cầu"), default=timezone.now)
    started_at = models.DateTimeField(_("thời điểm bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("thời điểm xong"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("thời gian dựng (ms)"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    file = models.FileField(_("tệp PDF"), upload_to=summary_upload_to, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    task_id = models.CharField(_("mã công việc"), max_length=64, blank=True)

    objects = UnitOrRegistryQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo tóm tắt")
        verbose_name_plural = _("các báo cáo tóm tắt")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="summary_document_progress_at_most_100",
                violation_error_message=_("Tiến độ không quá 100%."),
            ),
        ]

    def __str__(self) -> str:
        return _("Báo cáo tóm tắt #%(pk)s (%(status)s)") % {"pk": self.pk, "status": self.get_status_display()}

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)
