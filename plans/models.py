"""Plans (kế hoạch): targets and the cadres planned for rotation, linked to the postings that carried them out.

A plan is written as a draft and then issued (ban hành). An issued plan is frozen: the services refuse
changes with a message, and PostgreSQL triggers refuse them too (admin, imports, raw SQL), except the
link from a planned cadre to the posting that carried the plan out, which is recorded after issue.
An amendment (sửa đổi, bổ sung) is a new plan, with its own number, linked to the version it amends.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from postings.directions import Direction
from rotation_registry.common.audit import audited
from rotation_registry.common.documents import NumberedDocument


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    ISSUED = "issued", _("Đã ban hành")


# The message of the triggers below, and of the services that check first (same words).
FROZEN_MESSAGE = _("Kế hoạch đã ban hành thì không sửa được; muốn thay đổi, hãy lập văn bản sửa đổi, bổ sung.")


def _frozen_raise(plan_id: str) -> str:
    """PL/pgSQL raising the 'issued plans are frozen' refusal when plan `plan_id` is issued."""
    return f"""
        IF EXISTS (SELECT 1 FROM plans_plan p WHERE p.id = {plan_id} AND p.status = 'issued') THEN
            RAISE EXCEPTION 'Kế hoạch đã ban hành thì không sửa được (kế hoạch %).', {plan_id}
                USING ERRCODE = 'check_violation', CONSTRAINT = 'plan_issued_is_frozen';
        END IF;
    """


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user) -> PlanQuerySet:
        from accounts.scopes import scope_filter

        return self.filter(scope_filter(user, "issuing_unit__path"))


@audited()
@pgtrigger.register(
    pgtrigger.Trigger(
        name="plan_issued_is_frozen",
        operation=pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func="""
            IF OLD.status = 'issued' THEN
                RAISE EXCEPTION 'Kế hoạch đã ban hành thì không sửa được (kế hoạch %).', OLD.id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'plan_issued_is_frozen';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        """,
    ),
)
class Plan(NumberedDocument):
    """A rotation plan such as Kế hoạch 42-KH/TU (23/8/2017).

    The header lines (superior body, issuing body, place) are stored as printed, so an issued
    document reads the same after a unit is renamed or merged. The sections hold sanitised HTML
    (paragraphs, bold, italic, lists: rotation_registry.common.pdf.sanitize_document_html).
    """

    issuing_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("cơ quan ban hành"), on_delete=models.PROTECT, related_name="plans"
    )
    title = models.CharField(_("trích yếu"), max_length=500)
    period = models.ForeignKey(
        "units.Term",
        verbose_name=_("giai đoạn"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    status = models.CharField(_("trạng thái"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    issued_at = models.DateTimeField(_("thời điểm ban hành trên hệ thống"), null=True, blank=True)
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    amends = models.ForeignKey(
        "self",
        verbose_name=_("sửa đổi, bổ sung kế hoạch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    superior_body = models.CharField(
        _("cơ quan cấp trên (dòng trên cùng bên trái)"),
        max_length=200,
        blank=True,
        help_text=_("Để trống với Tỉnh ủy. Ví dụ: ĐẢNG BỘ TỈNH LẠNG SƠN (trên Huyện ủy)."),
    )
    issuing_body = models.CharField(
        _("tên cơ quan ban hành (in trên văn bản)"), max_length=200, blank=True, help_text=_("Ví dụ: TỈNH ỦY LẠNG SƠN")
    )
    place = models.CharField(_("địa danh"), max_length=80, blank=True, help_text=_("Ví dụ: Lạng Sơn"))
    legal_bases = models.TextField(_("căn cứ"), blank=True, help_text=_("Mỗi dòng một căn cứ."))
    preamble = models.TextField(
        _("câu dẫn"),
        blank=True,
        help_text=_("Ví dụ: Ban Thường vụ Tỉnh ủy xây dựng Kế hoạch … như sau:"),
    )
    purpose_section = models.TextField(_("I- Mục đích, yêu cầu"), blank=True)
    content_section = models.TextField(_("II- Nội dung"), blank=True)
    organisation_section = models.TextField(_("III- Tổ chức thực hiện"), blank=True)
    recipients = models.TextField(_("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận."))
    signing_authority = models.CharField(_("thẩm quyền ký"), max_length=120, default="T/M BAN THƯỜNG VỤ")
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta(NumberedDocument.Meta):
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")
        ordering = ["-date", "-id"]
        constraints = [
            *NumberedDocument.Meta.constraints,
            models.UniqueConstraint(
                fields=["amends"],
                name="plan_amended_once",
                violation_error_message=_(
                    "Kế hoạch này đã có văn bản sửa đổi, bổ sung; hãy sửa đổi từ phiên bản mới nhất."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amends__isnull=True, version=1) | Q(amends__isnull=False, version__gt=1),
                name="plan_version_follows_amends",
                violation_error_message=_("Phiên bản 1 là bản gốc; các phiên bản sau phải sửa đổi một kế hoạch."),
            ),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.ISSUED) | Q(issued_at__isnull=False),
                name="plan_issued_has_time",
                violation_error_message=_("Kế hoạch đã ban hành phải có thời điểm ban hành."),
            ),
        ]

    def __str__(self) -> str:
        return f"Kế hoạch {self.symbol}"

    def get_absolute_url(self) -> str:
        return reverse("plans:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT


@audited()
@pgtrigger.register(
    pgtrigger.Trigger(
        name="plan_target_frozen",
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=f"""
            IF TG_OP <> 'INSERT' THEN {_frozen_raise("OLD.plan_id")} END IF;
            IF TG_OP <> 'DELETE' THEN {_frozen_raise("NEW.plan_id")} RETURN NEW; END IF;
            RETURN OLD;
        """,
    ),
)
class PlanTarget(models.Model):
    """A target (chỉ tiêu): how many moves in a direction and/or to a unit and title."""

    plan = models.ForeignKey(Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="targets")
    direction = models.CharField(_("hướng luân chuyển"), max_length=12, blank=True, choices=Direction.choices)
    dest_unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("đơn vị nơi đến"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dest_title = models.ForeignKey(
        "units.PositionTitle",
        verbose_name=_("chức danh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("số lượt"))

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["plan", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="plan_target_positive",
                violation_error_message=_("Chỉ tiêu phải từ 1 lượt trở lên."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.label} — {self.count}"

    @property
    def label(self) -> str:
        """'Tỉnh về huyện', 'Bí thư, Huyện ủy Cao Lộc' … or 'Tổng số' for a target on every move."""
        parts = []
        if self.direction:
            parts.append(str(self.get_direction_display()))
        if self.dest_title_id:
            parts.append(self.dest_title.name)
        if self.dest_unit_id:
            parts.append(self.dest_unit.name)
        return ", ".join(parts) or str(_("Tổng số"))


@audited()
@pgtrigger.register(
    # After issue only the link to the posting that carried the entry out may change.
    pgtrigger.Trigger(
        name="plan_entry_frozen",
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=f"""
            IF TG_OP = 'INSERT' THEN {_frozen_raise("NEW.plan_id")} RETURN NEW; END IF;
            IF TG_OP = 'DELETE' THEN {_frozen_raise("OLD.plan_id")} RETURN OLD; END IF;
            IF (NEW.plan_id, NEW.cadre_id, NEW.dest_unit_id, NEW.dest_title_id, NEW.current_post)
                IS DISTINCT FROM (OLD.plan_id, OLD.cadre_id, OLD.dest_unit_id, OLD.dest_title_id, OLD.current_post)
            THEN
                {_frozen_raise("OLD.plan_id")}
                {_frozen_raise("NEW.plan_id")}
            END IF;
            RETURN NEW;
        """,
    ),
)
class PlanEntry(models.Model):
    """A cadre planned for rotation; linked to the posting once it happens (the link lives here)."""

    plan = models.ForeignKey(Plan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="entries")
    cadre = models.ForeignKey("cadres.Cadre", verbose_name=_("cán bộ"), on_delete=models.PROTECT, related_name="+")
    current_post = models.CharField(
        _("chức vụ, đơn vị hiện nay"),
        max_length=300,
        blank=True,
        help_text=_("Như in trong danh sách kèm kế hoạch; để trống thì lấy chức vụ chính vào ngày của kế hoạch."),
    )
    dest_unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("đơn vị dự kiến"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dest_title = models.ForeignKey(
        "units.PositionTitle",
        verbose_name=_("chức danh dự kiến"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posting = models.ForeignKey(
        "postings.Posting",
        verbose_name=_("đã thực hiện bằng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("cán bộ dự kiến luân chuyển")
        verbose_name_plural = _("cán bộ dự kiến luân chuyển")
        ordering = ["plan", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "cadre"],
                name="plan_entry_once_per_cadre",
                violation_error_message=_("Cán bộ đã có trong danh sách của kế hoạch."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.cadre}"

    def get_absolute_url(self) -> str:
        return reverse("plans:detail", args=[self.plan_id])
