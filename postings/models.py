"""Decisions and the postings (movements) they carry, with the rule sets they are checked against."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from postings.directions import Direction
from postings.validators import validate_pdf_scan
from rotation_registry.common.audit import audited
from rotation_registry.common.choices import QuickChoiceLabels
from rotation_registry.common.documents import NumberedDocument
from rotation_registry.common.formatting import format_date
from rotation_registry.common.record_urls import record_url
from rotation_registry.common.vietnamese import normalize_text
from units.models import DateRange

# --- Rule sets ---


class RuleKind(models.TextChoices):
    ERROR = "E", _("Lỗi (không cho lưu)")
    WARNING = "W", _("Cảnh báo (cần lý do vượt quy định)")
    OFF = "off", _("Không áp dụng")


class RuleSet(models.Model):
    """A set of rotation rules in force for decisions dated within its range (NQ 11/KL 24, QĐ 98, QĐ 65, …)."""

    code = models.CharField(_("mã"), max_length=24, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    legal_basis = models.CharField(_("văn bản"), max_length=255)
    valid_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("bộ quy tắc")
        verbose_name_plural = _("bộ quy tắc")
        ordering = [F("valid_from").asc(nulls_first=True)]
        constraints = [
            ExclusionConstraint(
                name="rule_sets_do_not_overlap",
                expressions=[(DateRange("valid_from", "valid_to", Value("[]")), RangeOperators.OVERLAPS)],
                violation_error_message=_("Các bộ quy tắc không được chồng lấn thời gian áp dụng."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleSetting(models.Model):
    """One rule's kind and thresholds within a rule set: thresholds are data, not code."""

    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("bộ quy tắc"), on_delete=models.CASCADE, related_name="settings"
    )
    rule_code = models.CharField(_("mã quy tắc"), max_length=24)
    kind = models.CharField(_("mức"), max_length=4, choices=RuleKind.choices)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    requires_decision_reference = models.BooleanField(_("vượt quy định cần số quyết định"), default=False)

    class Meta:
        verbose_name = _("quy tắc")
        verbose_name_plural = _("quy tắc")
        ordering = ["rule_set", "rule_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_set", "rule_code"],
                name="rule_setting_unique",
                violation_error_message=_("Quy tắc này đã có trong bộ quy tắc."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} ({self.get_kind_display()})"


# --- Decisions ---


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user) -> DecisionQuerySet:
        """Decisions issued in scope or carrying a posting from or to it."""
        from accounts.scopes import scope_filter, sees_whole_registry

        if sees_whole_registry(user):
            return self  # every decision has an issuing unit, and every unit is in scope
        postings = Posting.objects.filter(scope_filter(user, "origin_unit__path", "dest_unit__path"))
        return self.filter(scope_filter(user, "issuing_unit__path") | Q(pk__in=postings.values("decision_id")))


class DecisionStatus(models.TextChoices):
    IN_FORCE = "in_force", _("Có hiệu lực")
    CANCELLED = "cancelled", _("Đã hủy")


@audited()
@pgtrigger.register(
    # The other side of posting_starts_after_decision: re-dating a decision cannot leave one of its
    # standing postings starting before it.
    pgtrigger.Trigger(
        name="decision_date_not_after_postings",
        operation=pgtrigger.UpdateOf("date"),
        when=pgtrigger.Before,
        func="""
            IF EXISTS (
                SELECT 1 FROM postings_posting p
                WHERE p.decision_id = NEW.id AND p.status <> 'cancelled' AND p.start_date < NEW.date
            ) THEN
                RAISE EXCEPTION 'Ngày ký quyết định (%) không được sau ngày bắt đầu của luân chuyển thuộc quyết định.',
                    NEW.date USING ERRCODE = 'check_violation', CONSTRAINT = 'decision_date_not_after_postings';
            END IF;
            RETURN NEW;
        """,
    ),
)
class Decision(NumberedDocument):
    """A decision (quyết định); one decision may carry many postings."""

    issuing_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("cơ quan ban hành"), on_delete=models.PROTECT, related_name="decisions"
    )
    signer = models.CharField(_("người ký"), max_length=120, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, blank=True)
    summary = models.CharField(_("trích yếu"), max_length=500, blank=True)
    scan = models.FileField(_("bản chụp (PDF)"), upload_to="decisions/%Y/", blank=True, validators=[validate_pdf_scan])
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.IN_FORCE
    )
    cancel_reason = models.CharField(_("lý do hủy"), max_length=500, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta(NumberedDocument.Meta):
        verbose_name = _("quyết định")
        verbose_name_plural = _("quyết định")
        ordering = ["-date", "-id"]
        # The decision list's own order (newest first), read in index order at any depth (common/keyset.py).
        indexes = [models.Index(fields=["date", "id"], name="decision_date_id_idx")]

    def __str__(self) -> str:
        return gettext("Số %(symbol)s ngày %(date)s") % {"symbol": self.symbol, "date": format_date(self.date)}

    def save(self, *args, **kwargs) -> None:
        for name in ("signer", "signer_title", "summary"):
            setattr(self, name, normalize_text(getattr(self, name)))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return record_url("postings:decision_detail", self.pk)


# --- Postings ---


class PostingKind(models.TextChoices):
    ROTATION = "luan_chuyen", _("Luân chuyển")
    TRANSFER = "dieu_dong", _("Điều động")
    SECONDMENT = "biet_phai", _("Biệt phái")
    REINFORCEMENT = "tang_cuong", _("Tăng cường")
    APPOINTMENT = "bo_nhiem", _("Bổ nhiệm")


class PostingPurpose(models.TextChoices):
    TRAINING = "dao_tao", _("Đào tạo, rèn luyện thực tiễn")
    NON_LOCAL = "khong_dia_phuong", _("Bố trí không là người địa phương")
    TWO_TERMS = "qua_hai_nhiem_ky", _("Cấp trưởng quá hai nhiệm kỳ")
    GRASSROOTS = "tang_cuong_co_so", _("Tăng cường cơ sở")
    OTHER = "khac", _("Khác")


class PostingOutcome(models.TextChoices):
    RETURNED = "tro_ve", _("Trở về nơi cũ")
    NEW_POST = "chuc_vu_moi", _("Bố trí chức vụ mới")
    STABILISED = "on_dinh", _("Ổn định tại nơi đến")
    RETIRED = "nghi_huu", _("Nghỉ hưu")
    OTHER = "khac", _("Khác")


class PostingStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    IN_FORCE = "in_force", _("Đang thực hiện")
    ENDED = "ended", _("Đã kết thúc")
    CANCELLED = "cancelled", _("Đã hủy")


AS_WRITTEN_FIELDS = ("origin_unit_name", "origin_title_name", "dest_unit_name", "dest_title_name")

# Postings that occupy the cadre's time: drafts are not decided yet, cancelled ones never happened.
OCCUPYING_STATUSES = (PostingStatus.IN_FORCE, PostingStatus.ENDED)


class PostingQuerySet(models.QuerySet):
    def visible_to(self, user) -> PostingQuerySet:
        """Postings from or to a unit in the user's scope."""
        from accounts.scopes import scope_filter, sees_whole_registry

        if sees_whole_registry(user):
            # Every posting has a destination unit, and every unit is in scope: no condition at all, so the
            # planner is not handed an always-true "origin or destination is set" to estimate.
            return self.all()
        return self.filter(scope_filter(user, "origin_unit__path", "dest_unit__path"))

    def rotations(self) -> PostingQuerySet:
        return self.filter(kind=PostingKind.ROTATION, status__in=OCCUPYING_STATUSES)


# origin_root / dest_root are derived by the database for the unit filter; they are not audited, so that
# refreshing them after a unit moves adds no history rows.
@audited(exclude=["origin_root", "dest_root"])
@pgtrigger.register(
    # Cross-table date order: a posting cannot start before the decision that carries it.
    pgtrigger.Trigger(
        name="posting_starts_after_decision",
        operation=pgtrigger.Insert | pgtrigger.Update,
        when=pgtrigger.Before,
        func="""
            IF NEW.decision_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM postings_decision d WHERE d.id = NEW.decision_id AND d.date > NEW.start_date
            ) THEN
                RAISE EXCEPTION 'Ngày bắt đầu (%) không được trước ngày ký quyết định.', NEW.start_date
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'posting_starts_after_decision';
            END IF;
            RETURN NEW;
        """,
    ),
)
class Posting(QuickChoiceLabels, models.Model):
    """A cadre's move to a post: where from, where to, by which decision, for how long.

    The unit and post names are stored as written on the decision, beside the foreign keys,
    so a later rename or a reused official code never rewrites the past.
    """

    cadre = models.ForeignKey(
        "cadres.Cadre", verbose_name=_("cán bộ"), on_delete=models.PROTECT, related_name="postings"
    )
    kind = models.CharField(_("hình thức"), max_length=12, choices=PostingKind.choices, default=PostingKind.ROTATION)
    purpose = models.CharField(
        _("mục đích"), max_length=20, choices=PostingPurpose.choices, default=PostingPurpose.TRAINING
    )
    origin_position = models.ForeignKey(
        "units.Position",
        verbose_name=_("vị trí nơi đi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    origin_unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("đơn vị nơi đi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postings_out",
    )
    origin_unit_name = models.CharField(_("đơn vị nơi đi (theo quyết định)"), max_length=255, blank=True)
    origin_title_name = models.CharField(_("chức vụ nơi đi (theo quyết định)"), max_length=255, blank=True)
    dest_position = models.ForeignKey(
        "units.Position",
        verbose_name=_("vị trí nơi đến"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dest_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("đơn vị nơi đến"), on_delete=models.PROTECT, related_name="postings_in"
    )
    dest_unit_name = models.CharField(_("đơn vị nơi đến (theo quyết định)"), max_length=255)
    dest_title_name = models.CharField(_("chức vụ nơi đến (theo quyết định)"), max_length=255)
    direction = models.CharField(_("hướng luân chuyển"), max_length=12, choices=Direction.choices, editable=False)
    decision = models.ForeignKey(
        Decision, verbose_name=_("quyết định"), on_delete=models.PROTECT, related_name="postings"
    )
    start_date = models.DateField(_("ngày bắt đầu"))
    planned_months = models.PositiveSmallIntegerField(_("thời gian dự kiến (tháng)"), default=36)
    planned_end = models.DateField(_("ngày kết thúc dự kiến"), null=True, blank=True)
    actual_end = models.DateField(_("ngày kết thúc thực tế"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=12, choices=PostingOutcome.choices, blank=True)
    is_primary = models.BooleanField(_("chức vụ chính"), default=True, help_text=_("Bỏ chọn nếu là kiêm nhiệm."))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=PostingStatus.choices, default=PostingStatus.IN_FORCE
    )
    cancel_reason = models.CharField(_("lý do hủy"), max_length=500, blank=True)
    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("bộ quy tắc áp dụng"), null=True, blank=True, on_delete=models.PROTECT, editable=False
    )
    adds_title = models.BooleanField(_("tăng thêm chức danh"), default=False, editable=False)
    # The top-level units (provinces, central bodies) of the two sides, kept by triggers (migration 0011):
    # "everything under province X" becomes one equality the planner can estimate, so a province's list is
    # read in date order through posting_start_id_idx instead of gathering and sorting all its rows.
    origin_root = models.BigIntegerField(null=True, editable=False)
    dest_root = models.BigIntegerField(null=True, editable=False)

    DERIVED_BY_DATABASE = ("origin_root", "dest_root")

    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = _("luân chuyển, bố trí")
        verbose_name_plural = _("luân chuyển, bố trí")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["direction", "start_date"]),
            models.Index(fields=["cadre", "start_date"]),
            # "Has this cadre a posting from or to the user's scope?" (Cadre.visible_to), answered from
            # the index alone for every cadre a search or a filter considers (docs/performance.md).
            models.Index(fields=["cadre"], include=["origin_unit", "dest_unit"], name="posting_cadre_units_idx"),
            # The list filtered by a unit (its units' ids, from either side), often with a direction and a
            # term: each side's index answers all three, so only matching rows are read (docs/performance.md).
            models.Index(fields=["dest_unit", "direction", "start_date"], name="posting_dest_dir_start_idx"),
            models.Index(fields=["origin_unit", "direction", "start_date"], name="posting_origin_dir_start_idx"),
            # The list's own order (newest first) over the whole registry or a term: read in index order, a page
            # and its keyset successors (common/keyset.py) touch only their own rows, not a 400,000-row sort.
            models.Index(fields=["start_date", "id"], name="posting_start_id_idx"),
            # The home page's "overdue" / "ending soon" and "drafts" lists: small slices of a large table.
            models.Index(
                fields=["planned_end"],
                condition=Q(status="in_force", planned_end__isnull=False),
                name="posting_in_force_end_idx",
            ),
            models.Index(fields=["id"], condition=Q(status="draft"), name="posting_draft_idx"),
            # A province's postings (the root columns), as the unit indexes above: its count, and its pages
            # filtered by a direction and a term read only their own rows.
            models.Index(fields=["origin_root", "direction", "start_date"], name="posting_origin_root_dir_idx"),
            models.Index(fields=["dest_root", "direction", "start_date"], name="posting_dest_root_dir_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_end__gt=F("start_date")),
                name="posting_planned_end_after_start",
                violation_error_message=_("Ngày kết thúc dự kiến phải sau ngày bắt đầu."),
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_end__gte=F("start_date")),
                name="posting_actual_end_not_before_start",
                violation_error_message=_("Ngày kết thúc thực tế không được trước ngày bắt đầu."),
            ),
            models.CheckConstraint(
                condition=~Q(status=PostingStatus.ENDED) | Q(actual_end__isnull=False),
                name="posting_ended_has_end_date",
                violation_error_message=_("Luân chuyển đã kết thúc phải có ngày kết thúc thực tế."),
            ),
            models.CheckConstraint(
                condition=~Q(status=PostingStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="posting_cancel_has_reason",
                violation_error_message=_("Hủy luân chuyển phải ghi rõ lý do."),
            ),
            models.CheckConstraint(
                condition=~Q(dest_unit_name="") & ~Q(dest_title_name=""),
                name="posting_destination_as_written",
                violation_error_message=_("Phải ghi đơn vị và chức vụ nơi đến như trong quyết định."),
            ),
            # At most one primary posting in force per cadre on any day (kiêm nhiệm is not primary).
            ExclusionConstraint(
                name="posting_one_primary_at_a_time",
                expressions=[
                    ("cadre", RangeOperators.EQUAL),
                    (DateRange("start_date", "actual_end", Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(is_primary=True, status__in=OCCUPYING_STATUSES),
                violation_error_message=_(
                    "Cán bộ đã có một chức vụ chính trong khoảng thời gian này "
                    "(chỉ kiêm nhiệm mới được trùng thời gian)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.full_name}: {self.origin_title_name or '—'} → {self.dest_title_name} {self.dest_unit_name}"

    def save(self, *args, **kwargs) -> None:
        # Names as written are compared and searched later: store them in one Unicode form (NFC).
        for name in AS_WRITTEN_FIELDS:
            setattr(self, name, normalize_text(getattr(self, name)))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return record_url("postings:detail", self.pk)

    @property
    def end_date(self):
        return self.actual_end or self.planned_end


class PostingOverride(models.Model):
    """A warning granted as a special case: which rule, why, on which decision, by whom."""

    posting = models.ForeignKey(
        Posting, verbose_name=_("luân chuyển"), on_delete=models.PROTECT, related_name="overrides"
    )
    rule_code = models.CharField(_("mã quy tắc"), max_length=24)
    reason = models.CharField(_("lý do"), max_length=500)
    decision_reference = models.CharField(_("quyết định cho phép"), max_length=80, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người quyết định vượt"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        verbose_name = _("trường hợp đặc biệt")
        verbose_name_plural = _("trường hợp đặc biệt")
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "rule_code"],
                name="override_once_per_rule",
                violation_error_message=_("Quy tắc này đã được cho phép vượt."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="override_has_reason",
                violation_error_message=_("Phải ghi lý do trường hợp đặc biệt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code}: {self.reason}"


audited()(PostingOverride)
audited()(RuleSet)
audited()(RuleSetting)
