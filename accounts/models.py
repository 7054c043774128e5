"""Users, their role, and the units (with everything under them) they may see."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.audit import audited


class Role(models.TextChoices):
    BOARD_STAFF = "board_staff", _("Cán bộ Ban Tổ chức")
    UNIT_OFFICE = "unit_office", _("Văn phòng cấp ủy cấp dưới")
    LEADER = "leader", _("Lãnh đạo")
    ADMIN = "admin", _("Quản trị hệ thống")


@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in. What they see is decided by accounts.scopes alone."""

    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices, default=Role.BOARD_STAFF)
    office_unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("cơ quan công tác"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["username"]

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def can_edit_registry(self) -> bool:
        return self.sees_everything or self.role == Role.BOARD_STAFF


@audited()
class ScopeAssignment(models.Model):
    """A unit and everything under it, for a date range (the days the assignment is held)."""

    user = models.ForeignKey(User, verbose_name=_("người dùng"), on_delete=models.CASCADE, related_name="scopes")
    unit = models.ForeignKey("units.Unit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("từ ngày"), null=True, blank=True)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("phạm vi truy cập")
        verbose_name_plural = _("phạm vi truy cập")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                name="scope_dates_in_order",
                violation_error_message=_("Ngày kết thúc phạm vi phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.unit}"

    def is_active_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)
