"""People: the 2C-form subset the board needs, planning records and evaluations."""

from __future__ import annotations

import pghistory
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from rotation_registry.common.vietnamese import name_sort_key, normalize_text, search_key

MAJORITY_ETHNICITY = "Kinh"


class Sex(models.TextChoices):
    MALE = "male", "Nam"
    FEMALE = "female", "Nữ"


class ProfessionalLevel(models.TextChoices):
    NONE = "", "Chưa qua đào tạo"
    TRUNG_CAP = "trung_cap", "Trung cấp"
    CAO_DANG = "cao_dang", "Cao đẳng"
    DAI_HOC = "dai_hoc", "Đại học"
    THAC_SI = "thac_si", "Thạc sĩ"
    TIEN_SI = "tien_si", "Tiến sĩ"


class PoliticalTheory(models.TextChoices):
    NONE = "", "Chưa qua đào tạo"
    SO_CAP = "so_cap", "Sơ cấp"
    TRUNG_CAP = "trung_cap", "Trung cấp"
    CAO_CAP = "cao_cap", "Cao cấp"
    CU_NHAN = "cu_nhan", "Cử nhân"


class StateManagement(models.TextChoices):
    NONE = "", "Chưa qua bồi dưỡng"
    CHUYEN_VIEN = "chuyen_vien", "Chuyên viên"
    CHUYEN_VIEN_CHINH = "chuyen_vien_chinh", "Chuyên viên chính"
    CHUYEN_VIEN_CAO_CAP = "chuyen_vien_cao_cap", "Chuyên viên cao cấp"


class ManagementCategory(models.TextChoices):
    TW = "tw", "Diện Trung ương quản lý"
    BTV_TU = "btv_tu", "Diện Ban Thường vụ Tỉnh ủy quản lý"
    BTV_HU = "btv_hu", "Diện Ban Thường vụ Huyện ủy quản lý"
    BTV_DU = "btv_du", "Diện Ban Thường vụ Đảng ủy quản lý"


class CadreQuerySet(models.QuerySet):
    def visible_to(self, user) -> CadreQuerySet:
        """Cadres working in the user's scope, or with any posting from or to it."""
        from accounts.scopes import scope_filter, scope_paths
        from postings.models import Posting

        if scope_paths(user) is None:
            return self
        postings_in_scope = Posting.objects.filter(cadre=OuterRef("pk")).filter(
            scope_filter(user, "origin_unit__path", "dest_unit__path")
        )
        return self.filter(scope_filter(user, "unit__path") | Q(Exists(postings_in_scope)))

    def search(self, text: str) -> CadreQuerySet:
        return self.filter(search_key__contains=search_key(text))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Cadre(models.Model):
    """A cadre (cán bộ) as the board records them. Personal data is kept to what the rules need."""

    full_name = models.CharField("họ và tên", max_length=120)
    other_names = models.CharField("tên gọi khác", max_length=120, blank=True)
    date_of_birth = models.DateField("ngày sinh")
    sex = models.CharField("giới tính", max_length=8, choices=Sex.choices)
    ethnicity = models.CharField("dân tộc", max_length=40, default=MAJORITY_ETHNICITY)
    religion = models.CharField("tôn giáo", max_length=60, blank=True, help_text="Để trống nếu không theo tôn giáo")
    birthplace = models.CharField("nơi sinh (như khai)", max_length=255, blank=True)
    birthplace_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="nơi sinh (đơn vị)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    home_town = models.CharField("quê quán (như khai)", max_length=255, blank=True)
    home_town_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="quê quán (đơn vị)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    professional_level = models.CharField(
        "trình độ chuyên môn", max_length=12, blank=True, choices=ProfessionalLevel.choices
    )
    professional_field = models.CharField("chuyên ngành", max_length=120, blank=True)
    political_theory = models.CharField("lý luận chính trị", max_length=12, blank=True, choices=PoliticalTheory.choices)
    state_management = models.CharField("quản lý nhà nước", max_length=24, blank=True, choices=StateManagement.choices)
    party_entry_date = models.DateField("ngày vào Đảng", null=True, blank=True)
    management_category = models.CharField("diện quản lý", max_length=8, blank=True, choices=ManagementCategory.choices)
    personal_id = models.CharField(
        "mã cán bộ", max_length=32, blank=True, help_text="Mã định danh trong tỉnh (không phải số CCCD)."
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="đơn vị công tác hiện nay",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadres",
    )
    search_key = models.CharField(max_length=255, editable=False, db_index=True)
    sort_key = models.CharField(max_length=400, editable=False, db_collation="C", db_index=True)

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = "cán bộ"
        verbose_name_plural = "cán bộ"
        ordering = ["sort_key", "date_of_birth"]
        # Accent-free "contains" search: a trigram index serves LIKE '%...%' on the key.
        indexes = [GinIndex(fields=["search_key"], opclasses=["gin_trgm_ops"], name="cadre_search_key_trgm")]
        constraints = [
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=~Q(personal_id=""),
                name="cadre_personal_id_unique",
                violation_error_message="Mã cán bộ này đã được dùng cho người khác.",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte="1900-01-01"),
                name="cadre_birth_plausible",
                violation_error_message="Ngày sinh không hợp lệ.",
            ),
            models.CheckConstraint(
                condition=Q(party_entry_date__isnull=True) | Q(party_entry_date__gt=F("date_of_birth")),
                name="cadre_party_entry_after_birth",
                violation_error_message="Ngày vào Đảng phải sau ngày sinh.",
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
        return reverse("cadres:detail", args=[self.pk])

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


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PlanningRecord(models.Model):
    """A cadre in the planning pool (quy hoạch) for a title, for a term."""

    cadre = models.ForeignKey(Cadre, verbose_name="cán bộ", on_delete=models.PROTECT, related_name="planning_records")
    target_title = models.ForeignKey(
        "units.PositionTitle", verbose_name="chức danh quy hoạch", on_delete=models.PROTECT
    )
    target_unit = models.ForeignKey(
        "units.Unit", verbose_name="đơn vị", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    term = models.ForeignKey("units.Term", verbose_name="nhiệm kỳ", on_delete=models.PROTECT)
    decision_reference = models.CharField("quyết định phê duyệt", max_length=60, blank=True)
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    objects = PlanningRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "quy hoạch"
        verbose_name_plural = "quy hoạch"
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="planning_dates_in_order",
                violation_error_message="Ngày hết hiệu lực quy hoạch phải sau ngày bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.full_name}: {self.target_title} ({self.term.name})"


class EvaluationLevel(models.TextChoices):
    EXCELLENT = "excellent", "Hoàn thành xuất sắc nhiệm vụ"
    GOOD = "good", "Hoàn thành tốt nhiệm vụ"
    COMPLETED = "completed", "Hoàn thành nhiệm vụ"
    NOT_COMPLETED = "not_completed", "Không hoàn thành nhiệm vụ"


GOOD_OR_BETTER = (EvaluationLevel.EXCELLENT, EvaluationLevel.GOOD)


class EvaluationQuerySet(models.QuerySet):
    def visible_to(self, user) -> EvaluationQuerySet:
        return self.filter(cadre__in=Cadre.objects.visible_to(user))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Evaluation(models.Model):
    """A yearly (and, from Q4/2025, quarterly) rating (đánh giá, xếp loại)."""

    cadre = models.ForeignKey(Cadre, verbose_name="cán bộ", on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField("năm")
    quarter = models.PositiveSmallIntegerField("quý", null=True, blank=True)
    level = models.CharField("xếp loại", max_length=16, choices=EvaluationLevel.choices)
    score = models.DecimalField("điểm", max_digits=5, decimal_places=2, null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = "đánh giá, xếp loại"
        verbose_name_plural = "đánh giá, xếp loại"
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "year", "quarter"],
                nulls_distinct=False,
                name="evaluation_once_per_period",
                violation_error_message="Cán bộ đã có đánh giá cho kỳ này.",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1990, year__lte=2100),
                name="evaluation_year_plausible",
                violation_error_message="Năm đánh giá không hợp lệ.",
            ),
            # Quarterly ratings began with Kết luận 198-KL/TW (10/2025): quarters I–III only.
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__in=[1, 2, 3], year__gte=2026),
                name="evaluation_quarter_valid",
                violation_error_message="Đánh giá theo quý chỉ có từ năm 2026, cho quý I, II, III.",
            ),
            # Scores out of 100 came with Quy định 366-QĐ/TW (30/8/2025).
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100, year__gte=2025),
                name="evaluation_score_valid",
                violation_error_message="Điểm đánh giá từ 0 đến 100, chỉ áp dụng từ năm 2025.",
            ),
        ]

    def __str__(self) -> str:
        period = f"quý {self.quarter}/{self.year}" if self.quarter else str(self.year)
        return f"{self.cadre.full_name} — {period}: {self.get_level_display()}"
