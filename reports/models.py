"""Quarterly reports of subordinate committees and the periods they must report for."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    NOT_SUBMITTED = "draft", _("Chưa nộp")
    SUBMITTED = "submitted", _("Đã nộp")
    RETURNED = "returned", _("Trả lại")
    ACCEPTED = "accepted", _("Đã duyệt")


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ReportingPeriod(models.Model):
    """Which unit must report for which quarter, and by when."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("đơn vị báo cáo"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"))
    deadline = models.DateField(_("hạn nộp"))

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

    def __str__(self) -> str:
        return _("%(unit)s — quý %(quarter)s/%(year)s") % {
            "unit": self.unit,
            "quarter": self.quarter,
            "year": self.year,
        }


class QuarterlyReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> QuarterlyReportQuerySet:
        from accounts.scopes import scope_filter

        return self.filter(scope_filter(user, "unit__path"))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class QuarterlyReport(models.Model):
    """A unit's quarterly report: a frozen snapshot of figures plus its narrative."""

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
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
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
        ]

    def __str__(self) -> str:
        return _("Báo cáo quý %(quarter)s/%(year)s — %(unit)s") % {
            "quarter": self.quarter,
            "year": self.year,
            "unit": self.unit,
        }


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


class StatisticsRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> StatisticsRunQuerySet:
        """Runs of units in the user's scope; runs over the whole registry only to those who see all of it."""
        from accounts.scopes import scope_filter, scope_paths

        condition = scope_filter(user, "unit__path")
        if sees_whole_registry(user, scope_paths(user)):
            condition |= Q(unit__isnull=True)
        return self.filter(condition)

    def done(self) -> StatisticsRunQuerySet:
        return self.filter(status=RunStatus.DONE)


def sees_whole_registry(user, paths: list[str] | None) -> bool:
    """Whether the user's scope reaches every top-level unit (so the whole-registry figures are theirs).

    `paths` is `accounts.scopes.scope_paths(user)`, which also records (on the user) whether the
    scope covers every top-level unit; reading that flag costs no query.
    """
    if paths is None:
        return True
    return bool(paths) and bool(getattr(user, "_scope_everywhere", False))


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
