"""Quarterly reports of subordinate committees and the periods they must report for."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q


class ReportStatus(models.TextChoices):
    NOT_SUBMITTED = "draft", "Chưa nộp"
    SUBMITTED = "submitted", "Đã nộp"
    RETURNED = "returned", "Trả lại"
    ACCEPTED = "accepted", "Đã duyệt"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ReportingPeriod(models.Model):
    """Which unit must report for which quarter, and by when."""

    unit = models.ForeignKey("units.Unit", verbose_name="đơn vị báo cáo", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("năm")
    quarter = models.PositiveSmallIntegerField("quý")
    deadline = models.DateField("hạn nộp")

    class Meta:
        verbose_name = "kỳ báo cáo"
        verbose_name_plural = "kỳ báo cáo"
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"],
                name="reporting_period_unique",
                violation_error_message="Đơn vị đã có kỳ báo cáo này.",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="reporting_period_quarter",
                violation_error_message="Quý phải từ 1 đến 4.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} — quý {self.quarter}/{self.year}"


class QuarterlyReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> QuarterlyReportQuerySet:
        from accounts.scopes import scope_filter

        return self.filter(scope_filter(user, "unit__path"))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class QuarterlyReport(models.Model):
    """A unit's quarterly report: a frozen snapshot of figures plus its narrative."""

    unit = models.ForeignKey("units.Unit", verbose_name="đơn vị báo cáo", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("năm")
    quarter = models.PositiveSmallIntegerField("quý")
    status = models.CharField(
        "trạng thái", max_length=12, choices=ReportStatus.choices, default=ReportStatus.NOT_SUBMITTED
    )
    figures = models.JSONField("số liệu (bản chốt)", default=dict, blank=True)
    adjustments = models.JSONField("điều chỉnh có giải trình", default=list, blank=True)
    results = models.TextField("kết quả", blank=True)
    strengths = models.TextField("ưu điểm", blank=True)
    weaknesses = models.TextField("hạn chế", blank=True)
    causes = models.TextField("nguyên nhân", blank=True)
    next_quarter = models.TextField("phương hướng quý tới", blank=True)
    proposals = models.TextField("đề xuất, kiến nghị", blank=True)
    document_number = models.CharField("số, ký hiệu", max_length=40, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nộp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("thời điểm nộp", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người duyệt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("thời điểm duyệt", null=True, blank=True)
    review_comment = models.TextField("ý kiến", blank=True)

    objects = QuarterlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = "báo cáo quý"
        verbose_name_plural = "báo cáo quý"
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"],
                name="quarterly_report_unique",
                violation_error_message="Đơn vị đã có báo cáo cho quý này.",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="quarterly_report_quarter",
                violation_error_message="Quý phải từ 1 đến 4.",
            ),
        ]

    def __str__(self) -> str:
        return f"Báo cáo quý {self.quarter}/{self.year} — {self.unit}"
