"""People: the 2C-form subset the board needs, planning records and evaluations."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rotation_registry.common.audit import audited
from rotation_registry.common.choices import QuickChoiceLabels
from rotation_registry.common.record_urls import record_url
from rotation_registry.common.vietnamese import name_sort_key, normalize_text, search_key

MAJORITY_ETHNICITY = "Kinh"


class Sex(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class ProfessionalLevel(models.TextChoices):
    NONE = "", _("Chưa qua đào tạo")
    TRUNG_CAP = "trung_cap", _("Trung cấp")
    CAO_DANG = "cao_dang", _("Cao đẳng")
    DAI_HOC = "dai_hoc", _("Đại học")
    THAC_SI = "thac_si", _("Thạc sĩ")
    TIEN_SI = "tien_si", _("Tiến sĩ")


class PoliticalTheory(models.TextChoices):
    NONE = "", _("Chưa qua đào tạo")
    SO_CAP = "so_cap", _("Sơ cấp")
    TRUNG_CAP = "trung_cap", _("Trung cấp")
    CAO_CAP = "cao_cap", _("Cao cấp")
    CU_NHAN = "cu_nhan", _("Cử nhân")


class StateManagement(models.TextChoices):
    NONE = "", _("Chưa qua bồi dưỡng")
    CHUYEN_VIEN = "chuyen_vien", _("Chuyên viên")
    CHUYEN_VIEN_CHINH = "chuyen_vien_chinh", _("Chuyên viên chính")
    CHUYEN_VIEN_CAO_CAP = "chuyen_vien_cao_cap", _("Chuyên viên cao cấp")


class ManagementCategory(models.TextChoices):
    TW = "tw", _("Diện Trung ương quản lý")
    BTV_TU = "btv_tu", _("Diện Ban Thường vụ Tỉnh ủy quản lý")
    BTV_HU = "btv_hu", _("Diện Ban Thường vụ Huyện ủy quản lý")
    BTV_DU = "btv_du", _("Diện Ban Thường vụ Đảng ủy quản lý")


GIN_PENDING_LIST_KB = 256


class CadreQuerySet(models.QuerySet):
    def visible_to(self, user) -> CadreQuerySet:
        """Cadres working in the user's scope, or with any posting from or to it."""
        from accounts.scopes import scope_filter, scope_paths, scope_roots
        from postings.models import Posting

        if scope_paths(user) is None:
            return self
        postings_in_scope = Posting.objects.filter(cadre=OuterRef("pk")).filter(
            scope_filter(user, "origin_unit__path", "dest_unit__path")
        )
        exact = scope_filter(user, "unit__path") | Q(Exists(postings_in_scope))
        roots = scope_roots(user)
        if not roots:  # everything reachable, or nothing: the array test could not rule anything out
            return self.filter(exact)
        # Prefilter: a cadre in scope has a unit, own or of a posting, under a scope path, so that unit's
        # top-level unit is one of the scope's and is in reach_roots (kept by triggers, migration 0004).
        # The array test is cheap and spares most candidates the per-cadre EXISTS; it only discards rows
        # the exact condition would reject (docs/performance.md, "Scoped name search").
        return self.filter(Q(reach_roots__overlap=roots) & exact)

    def search(self, text: str) -> CadreQuerySet:
        return self.filter(search_key__contains=search_key(text))


# reach_roots is derived by the database for Cadre.visible_to; it is not audited, so that a posting that
# changes it writes no audit row for the cadre (docs/performance.md, "Scoped name search").
@audited(exclude=["reach_roots"])
class Cadre(QuickChoiceLabels, models.Model):
    """A cadre (cán bộ) as the board records them. Personal data is kept to what the rules need."""

    full_name = models.CharField(_("họ và tên"), max_length=120)
    other_names = models.CharField(_("tên gọi khác"), max_length=120, blank=True)
    date_of_birth = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=8, choices=Sex.choices)
    ethnicity = models.CharField(_("dân tộc"), max_length=40, default=MAJORITY_ETHNICITY)
    religion = models.CharField(
        _("tôn giáo"), max_length=60, blank=True, help_text=_("Để trống nếu không theo tôn giáo")
    )
    birthplace = models.CharField(_("nơi sinh (như khai)"), max_length=255, blank=True)
    birthplace_unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("nơi sinh (đơn vị)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    home_town = models.CharField(_("quê quán (như khai)"), max_length=255, blank=True)
    home_town_unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("quê quán (đơn vị)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    professional_level = models.CharField(
        _("trình độ chuyên môn"), max_length=12, blank=True, choices=ProfessionalLevel.choices
    )
    professional_field = models.CharField(_("chuyên ngành"), max_length=120, blank=True)
    political_theory = models.CharField(
        _("lý luận chính trị"), max_length=12, blank=True, choices=PoliticalTheory.choices
    )
    state_management = models.CharField(
        _("quản lý nhà nước"), max_length=24, blank=True, choices=StateManagement.choices
    )
    party_entry_date = models.DateField(_("ngày vào Đảng"), null=True, blank=True)
    management_category = models.CharField(
        _("diện quản lý"), max_length=8, blank=True, choices=ManagementCategory.choices
    )
    personal_id = models.CharField(
        _("mã cán bộ"), max_length=32, blank=True, help_text=_("Mã định danh trong tỉnh (không phải số CCCD).")
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("đơn vị công tác hiện nay"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadres",
    )
    search_key = models.CharField(max_length=255, editable=False, db_index=True)
    sort_key = models.CharField(max_length=400, editable=False, db_collation="C", db_index=True)
    # The ids of the top-level units (first segment of the unit path) of the cadre's own unit and of every
    # origin and destination unit of their postings, whatever the posting's status. Kept by database
    # triggers (migration 0004), so bulk writes and QuerySet.update keep it right; a value written from
    # Python is ignored and recomputed. Only a prefilter for visible_to: the exact condition still decides.
    reach_roots = ArrayField(
        models.BigIntegerField(), verbose_name="đơn vị cấp cao nhất liên quan", db_default=[], editable=False
    )

    DERIVED_BY_DATABASE = ("reach_roots",)  # rotation_registry/common/concurrency.py

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("cán bộ")
        verbose_name_plural = _("cán bộ")
        ordering = ["sort_key", "date_of_birth"]
        # Accent-free "contains" search: a trigram index serves LIKE '%...%' on the key.
        # Both GIN indexes keep a short pending list (256 kB, not 4 MB): new rows wait there, read one by one
        # by every search, until a vacuum or the list's limit merges them; after an import of 20,000 cadres
        # the searches took 2-3x as long until autovacuum came (docs/performance.md §9).
        indexes = [
            GinIndex(
                fields=["search_key"],
                opclasses=["gin_trgm_ops"],
                name="cadre_search_key_trgm",
                gin_pending_list_limit=GIN_PENDING_LIST_KB,
            ),
            # The scope prefilter of visible_to (reach_roots && <scope's top-level ids>): ANDed with the
            # trigram bitmap, only the scope's matches are read from the heap (docs/performance.md).
            GinIndex(fields=["reach_roots"], name="cadre_reach_roots_gin", gin_pending_list_limit=GIN_PENDING_LIST_KB),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=~Q(personal_id=""),
                name="cadre_personal_id_unique",
                violation_error_message=_("Mã cán bộ này đã được dùng cho người khác."),
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte="1900-01-01"),
                name="cadre_birth_plausible",
                violation_error_message=_("Ngày sinh không hợp lệ."),
            ),
            models.CheckConstraint(
                condition=Q(party_entry_date__isnull=True) | Q(party_entry_date__gt=F("date_of_birth")),
                name="cadre_party_entry_after_birth",
                violation_error_message=_("Ngày vào Đảng phải sau ngày sinh."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.date_of_birth:%Y})"

    def save(self, *args, **kwargs) -> None:
        self.normalise()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_key", "sort_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return record_url("cadres:detail", self.pk)

    def normalise(self) -> None:
        """NFC names and the derived search and sort keys; save() calls it, bulk writes call it themselves."""
        self.full_name = normalize_text(self.full_name)
        self.other_names = normalize_text(self.other_names)
        self.ethnicity = normalize_text(self.ethnicity)
        self.search_key = search_key(self.full_name)
        self.sort_key = name_sort_key(self.full_name)

    @property
    def is_ethnic_minority(self) -> bool:
        return bool(self.ethnicity) and self.ethnicity != MAJORITY_ETHNICITY


class PlanningRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> PlanningRecordQuerySet:
        return self.filter(cadre__in=Cadre.objects.visible_to(user))


@audited()
class PlanningRecord(models.Model):
    """A cadre in the planning pool (quy hoạch) for a title, for a term."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cán bộ"), on_delete=models.PROTECT, related_name="planning_records"
    )
    target_title = models.ForeignKey(
        "units.PositionTitle", verbose_name=_("chức danh quy hoạch"), on_delete=models.PROTECT
    )
    target_unit = models.ForeignKey(
        "units.Unit", verbose_name=_("đơn vị"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    term = models.ForeignKey("units.Term", verbose_name=_("nhiệm kỳ"), on_delete=models.PROTECT)
    decision_reference = models.CharField(_("quyết định phê duyệt"), max_length=60, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    objects = PlanningRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("quy hoạch")
        verbose_name_plural = _("quy hoạch")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="planning_dates_in_order",
                violation_error_message=_("Ngày hết hiệu lực quy hoạch phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.full_name}: {self.target_title} ({self.term.name})"


class EvaluationLevel(models.TextChoices):
    EXCELLENT = "excellent", _("Hoàn thành xuất sắc nhiệm vụ")
    GOOD = "good", _("Hoàn thành tốt nhiệm vụ")
    COMPLETED = "completed", _("Hoàn thành nhiệm vụ")
    NOT_COMPLETED = "not_completed", _("Không hoàn thành nhiệm vụ")


GOOD_OR_BETTER = (EvaluationLevel.EXCELLENT, EvaluationLevel.GOOD)


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user) -> EvaluationQuerySet:
        return self.filter(cadre__in=Cadre.objects.visible_to(user))


@audited()
class Evaluation(models.Model):
    """A yearly (and, from Q4/2025, quarterly) rating (đánh giá, xếp loại)."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("cán bộ"), on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), null=True, blank=True)
    level = models.CharField(_("xếp loại"), max_length=16, choices=EvaluationLevel.choices)
    score = models.DecimalField(_("điểm"), max_digits=5, decimal_places=2, null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("đánh giá, xếp loại")
        verbose_name_plural = _("đánh giá, xếp loại")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "year", "quarter"],
                nulls_distinct=False,
                name="evaluation_once_per_period",
                violation_error_message=_("Cán bộ đã có đánh giá cho kỳ này."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1990, year__lte=2100),
                name="evaluation_year_plausible",
                violation_error_message=_("Năm đánh giá không hợp lệ."),
            ),
            # Quarterly ratings began with Kết luận 198-KL/TW (10/2025): quarters I–III only.
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__in=[1, 2, 3], year__gte=2026),
                name="evaluation_quarter_valid",
                violation_error_message=_("Đánh giá theo quý chỉ có từ năm 2026, cho quý I, II, III."),
            ),
            # Scores out of 100 came with Quy định 366-QĐ/TW (30/8/2025).
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100, year__gte=2025),
                name="evaluation_score_valid",
                violation_error_message=_("Điểm đánh giá từ 0 đến 100, chỉ áp dụng từ năm 2025."),
            ),
        ]

    def __str__(self) -> str:
        if self.quarter:
            period = gettext("quý %(quarter)s/%(year)s") % {"quarter": self.quarter, "year": self.year}
        else:
            period = str(self.year)
        return f"{self.cadre.full_name} — {period}: {self.get_level_display()}"
