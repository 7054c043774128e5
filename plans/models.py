"""Plans (kế hoạch): targets and the cadres planned for rotation, linked to the postings that carried them out."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q

from rotation_registry.common.documents import NumberedDocument


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user) -> PlanQuerySet:
        from accounts.scopes import scope_filter

        return self.filter(scope_filter(user, "issuing_unit__path"))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Plan(NumberedDocument):
    """A rotation plan such as Kế hoạch 42-KH/TU (23/8/2017)."""

    issuing_unit = models.ForeignKey(
        "units.Unit", verbose_name="cơ quan ban hành", on_delete=models.PROTECT, related_name="plans"
    )
    title = models.CharField("trích yếu", max_length=500)
    period = models.ForeignKey(
        "units.Term", verbose_name="giai đoạn", null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    legal_bases = models.TextField("căn cứ", blank=True)
    purpose_section = models.TextField("I- Mục đích, yêu cầu", blank=True)
    content_section = models.TextField("II- Nội dung", blank=True)
    organisation_section = models.TextField("III- Tổ chức thực hiện", blank=True)
    recipients = models.TextField("nơi nhận", blank=True, help_text="Mỗi dòng một nơi nhận.")
    signing_authority = models.CharField("thẩm quyền ký", max_length=120, default="T/M BAN THƯỜNG VỤ")
    signer_title = models.CharField("chức vụ người ký", max_length=120, blank=True)
    signer_name = models.CharField("người ký", max_length=120, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta(NumberedDocument.Meta):
        verbose_name = "kế hoạch"
        verbose_name_plural = "kế hoạch"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"Kế hoạch {self.symbol}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PlanTarget(models.Model):
    """A target (chỉ tiêu): how many moves in a direction and/or to a unit and title."""

    plan = models.ForeignKey(Plan, verbose_name="kế hoạch", on_delete=models.CASCADE, related_name="targets")
    direction = models.CharField("hướng luân chuyển", max_length=12, blank=True)
    dest_unit = models.ForeignKey(
        "units.Unit", verbose_name="đơn vị nơi đến", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dest_title = models.ForeignKey(
        "units.PositionTitle",
        verbose_name="chức danh",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    count = models.PositiveIntegerField("số lượt")

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="plan_target_positive",
                violation_error_message="Chỉ tiêu phải từ 1 lượt trở lên.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.count}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PlanEntry(models.Model):
    """A cadre planned for rotation; linked to the posting once it happens (the link lives here)."""

    plan = models.ForeignKey(Plan, verbose_name="kế hoạch", on_delete=models.CASCADE, related_name="entries")
    cadre = models.ForeignKey("cadres.Cadre", verbose_name="cán bộ", on_delete=models.PROTECT, related_name="+")
    dest_unit = models.ForeignKey(
        "units.Unit", verbose_name="đơn vị dự kiến", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dest_title = models.ForeignKey(
        "units.PositionTitle",
        verbose_name="chức danh dự kiến",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posting = models.ForeignKey(
        "postings.Posting",
        verbose_name="đã thực hiện bằng",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "cán bộ dự kiến luân chuyển"
        verbose_name_plural = "cán bộ dự kiến luân chuyển"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "cadre"],
                name="plan_entry_once_per_cadre",
                violation_error_message="Cán bộ đã có trong danh sách của kế hoạch.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.cadre}"
