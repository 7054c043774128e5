"""The cadre list's filters; the same FilterSet serves the page and its exports."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scopes import unit_in, units_under, with_predecessors
from cadres.models import (
    GOOD_OR_BETTER,
    MAJORITY_ETHNICITY,
    Cadre,
    Evaluation,
    EvaluationLevel,
    ManagementCategory,
    PoliticalTheory,
    ProfessionalLevel,
    Sex,
)
from postings.models import Posting
from rotation_registry.common.filters import SidebarMixin
from rotation_registry.common.vietnamese import search_key
from units.filters import unit_filter
from units.models import Unit

AGE_BANDS = [("40", _("Từ 40 tuổi trở xuống")), ("41-50", _("Từ 41 đến 50 tuổi")), ("51", _("Trên 50 tuổi"))]


def birth_range_for_band(band: str, on: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """Dates of birth giving an age band on a day (Biểu 11-BTCTW: ≤40, 41–50, >50)."""

    def years_before(years: int) -> datetime.date:
        try:
            return on.replace(year=on.year - years)
        except ValueError:  # 29 February
            return on.replace(year=on.year - years, day=28)

    if band == "40":  # age <= 40: born after the day they would have turned 41
        return years_before(41) + datetime.timedelta(days=1), None
    if band == "41-50":
        return years_before(51) + datetime.timedelta(days=1), years_before(41)
    return None, years_before(51)  # > 50


def filter_age_band(queryset, prefix: str, band: str, on: datetime.date | None):
    born_after, born_before = birth_range_for_band(band, on or timezone.localdate())
    if born_after:
        queryset = queryset.filter(**{f"{prefix}date_of_birth__gte": born_after})
    if born_before:
        queryset = queryset.filter(**{f"{prefix}date_of_birth__lte": born_before})
    return queryset


# --- Groups the statistics count by (reports/statistics), shared by both lists' drill-down filters ---

# Biểu 11-BTCTW rows "trình độ chuyên môn" and "lý luận chính trị", plus "chưa qua đào tạo".
QUALIFICATION_GROUPS: dict[str, tuple[str, list[str]]] = {
    "trung_cap": ("Trung cấp", [ProfessionalLevel.TRUNG_CAP]),
    "cao_dang": ("Cao đẳng", [ProfessionalLevel.CAO_DANG]),
    "dai_hoc": ("Đại học", [ProfessionalLevel.DAI_HOC]),
    "tren_dai_hoc": ("Trên đại học", [ProfessionalLevel.THAC_SI, ProfessionalLevel.TIEN_SI]),
    "none": ("Chưa qua đào tạo", [ProfessionalLevel.NONE]),
}
THEORY_GROUPS: dict[str, tuple[str, list[str]]] = {
    "so_cap": ("Sơ cấp", [PoliticalTheory.SO_CAP]),
    "trung_cap": ("Trung cấp", [PoliticalTheory.TRUNG_CAP]),
    "cao_cap_cu_nhan": ("Cao cấp, cử nhân", [PoliticalTheory.CAO_CAP, PoliticalTheory.CU_NHAN]),
    "none": ("Chưa qua đào tạo", [PoliticalTheory.NONE]),
}
QUALIFICATION_CHOICES = [(key, label) for key, (label, _) in QUALIFICATION_GROUPS.items()]
THEORY_CHOICES = [(key, label) for key, (label, _) in THEORY_GROUPS.items()]
GOOD_OR_BETTER_KEY = "good_or_better"


def units_reached(unit: Unit, *, lineage: bool = False):
    """Ids (a subquery) of the unit and everything under it.

    With lineage, also everything under the units it succeeded, transitively, exactly as a user's
    scope on that unit reaches them (accounts.scopes): "today's structure" of the statistics.
    """
    if not lineage:
        return units_under([unit.path])
    paths = Unit.objects.filter(pk__in=with_predecessors(unit.pk)).values_list("path", flat=True)
    return units_under(sorted(paths))


def minority_q(prefix: str = "") -> Q:
    """Ethnic minority: an ethnicity is recorded and it is not Kinh (Cadre.is_ethnic_minority)."""
    return ~Q(**{f"{prefix}ethnicity": MAJORITY_ETHNICITY}) & ~Q(**{f"{prefix}ethnicity": ""})


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` (local time): versions saved before it were recorded on that day."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def recorded_level_expressions(day: datetime.date) -> dict:
    """The levels the registry held for a cadre on `day`, as expressions on the cadre row.

    Keys: "professional_level", "political_theory", and "entered_after" (true when the cadre was
    entered into the registry only after that day). The audit history (pghistory snapshots of every
    write) gives the last version saved by the end of that day; a cadre entered later has no such
    version, and the levels first entered are used instead (the statistics count and say so). From
    today on, the current values.
    """
    if day >= timezone.localdate():
        return {
            "professional_level": F("professional_level"),
            "political_theory": F("political_theory"),
            "entered_after": ExpressionWrapper(Q(pk__isnull=True), output_field=BooleanField()),  # false
        }
    from django.apps import apps

    events = apps.get_model("cadres", "CadreEvent").objects.filter(pgh_obj_id=OuterRef("pk"))
    limit = end_of_day(day)
    before = events.filter(pgh_created_at__lt=limit).order_by("-pgh_created_at", "-pgh_id")
    first = events.order_by("pgh_created_at", "pgh_id")
    expressions: dict = {"entered_after": ~Exists(events.filter(pgh_created_at__lt=limit))}
    for field in ("professional_level", "political_theory"):
        expressions[field] = Coalesce(Subquery(before.values(field)[:1]), Subquery(first.values(field)[:1]), F(field))
    return expressions


def recorded_levels(queryset, day: datetime.date):
    """Annotate rec_professional_level and rec_political_theory: the levels the registry held on `day`."""
    expressions = recorded_level_expressions(day)
    return queryset.annotate(
        rec_professional_level=expressions["professional_level"],
        rec_political_theory=expressions["political_theory"],
    )


EVALUATION_CHOICES = [(GOOD_OR_BETTER_KEY, "Hoàn thành tốt nhiệm vụ trở lên"), *EvaluationLevel.choices]


def counted_rotations(start: datetime.date | None, end: datetime.date | None, unit: Unit | None, *, lineage: bool):
    """The rotations the statistics count: luân chuyển, in force or ended, primary post, started in
    [start, end], from or to the unit (or under it; with lineage, also under its predecessors)."""
    from postings.models import OCCUPYING_STATUSES, PostingKind

    postings = Posting.objects.filter(kind=PostingKind.ROTATION, status__in=OCCUPYING_STATUSES, is_primary=True)
    if start:
        postings = postings.filter(start_date__gte=start)
    if end:
        postings = postings.filter(start_date__lte=end)
    if unit is not None:
        units = units_reached(unit, lineage=lineage)
        postings = postings.filter(
            unit_in("origin_unit", units, indexed=True) | unit_in("dest_unit", units, indexed=True)
        )
    return postings.order_by()


class CadreFilterSet(SidebarMixin, django_filters.FilterSet):
    sidebar = (
        "q",
        "unit",
        "sex",
        "ethnicity",
        "minority",
        "age_band",
        "age_on",
        "management_category",
        "professional_level",
        "political_theory",
    )
    q = django_filters.CharFilter(method="search", label=_("Họ tên (gõ không dấu được)"))
    unit = unit_filter(_("Đơn vị (gồm đơn vị trực thuộc)"), "in_unit")
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("Giới tính"))
    ethnicity = django_filters.CharFilter(method="by_ethnicity", label=_("Dân tộc"))
    minority = django_filters.BooleanFilter(method="ethnic_minority", label=_("Dân tộc thiểu số"))
    age_band = django_filters.ChoiceFilter(choices=AGE_BANDS, method="by_age_band", label=_("Độ tuổi"))
    age_on = django_filters.DateFilter(method="noop", label=_("Tính tuổi vào ngày"))
    management_category = django_filters.ChoiceFilter(choices=ManagementCategory.choices, label=_("Diện quản lý"))
    professional_level = django_filters.ChoiceFilter(
        choices=ProfessionalLevel.choices[1:], label=_("Trình độ chuyên môn")
    )
    political_theory = django_filters.ChoiceFilter(choices=PoliticalTheory.choices[1:], label=_("Lý luận chính trị"))
    # --- Drill-downs of the statistics (reports/statistics): each figure's exact cadres ---
    works_in = unit_filter(_("Đang công tác tại đơn vị (gồm đơn vị trực thuộc)"), "working_in")
    works_in_lineage = unit_filter(
        _("Đang công tác tại đơn vị theo cơ cấu hiện nay (gồm đơn vị tiền thân)"), "working_in"
    )
    qualification = django_filters.ChoiceFilter(
        choices=QUALIFICATION_CHOICES, method="by_recorded_level", label=_("Nhóm trình độ chuyên môn")
    )
    theory = django_filters.ChoiceFilter(
        choices=THEORY_CHOICES, method="by_recorded_level", label=_("Nhóm trình độ lý luận chính trị")
    )
    recorded_on = django_filters.DateFilter(method="noop", label=_("Trình độ theo hồ sơ ghi tại ngày"))
    rotated = django_filters.BooleanFilter(method="was_rotated", label=_("Có lượt luân chuyển được thống kê"))
    rotated_from = django_filters.DateFilter(method="noop", label=_("… bắt đầu từ ngày"))
    rotated_to = django_filters.DateFilter(method="noop", label=_("… bắt đầu đến ngày"))
    rotated_unit = unit_filter(_("… đi hoặc đến đơn vị"), "noop")
    rotated_unit_lineage = unit_filter(_("… đi hoặc đến đơn vị theo cơ cấu hiện nay"), "noop")
    evaluated_year = django_filters.NumberFilter(
        method="by_evaluation", label=_("Có đánh giá năm"), min_value=1990, max_value=2100
    )
    evaluation = django_filters.ChoiceFilter(choices=EVALUATION_CHOICES, method="noop", label=_("… xếp loại"))

    class Meta:
        model = Cadre
        fields = [
            "q",
            "unit",
            "sex",
            "ethnicity",
            "minority",
            "age_band",
            "age_on",
            "management_category",
            "professional_level",
            "political_theory",
        ]

    def search(self, queryset, name, value):
        return queryset.filter(search_key__contains=search_key(value)) if value.strip() else queryset

    def in_unit(self, queryset, name, unit):
        # On the foreign keys, through the ids of the units under the chosen one (accounts.scopes).
        units = units_under([unit.path])
        moved = Posting.objects.filter(cadre=OuterRef("pk")).filter(
            unit_in("origin_unit", units) | unit_in("dest_unit", units)
        )
        return queryset.filter(unit_in("unit", units) | Q(Exists(moved)))

    def by_ethnicity(self, queryset, name, value):
        return queryset.filter(ethnicity__iexact=value.strip()) if value.strip() else queryset

    def ethnic_minority(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(ethnicity="Kinh") if value else queryset.filter(ethnicity="Kinh")

    def by_age_band(self, queryset, name, value):
        return filter_age_band(queryset, "", value, self.form.cleaned_data.get("age_on"))

    def noop(self, queryset, name, value):
        return queryset  # read by by_age_band

    # --- Drill-downs of the statistics ---

    def working_in(self, queryset, name, unit):
        return queryset.filter(unit_in("unit", units_reached(unit, lineage=name == "works_in_lineage")))

    def by_recorded_level(self, queryset, name, value):
        field, groups = ("professional_level", QUALIFICATION_GROUPS)
        if name == "theory":
            field, groups = ("political_theory", THEORY_GROUPS)
        day = self.form.cleaned_data.get("recorded_on") or timezone.localdate()
        return recorded_levels(queryset, day).filter(**{f"rec_{field}__in": groups[value][1]})

    def was_rotated(self, queryset, name, value):
        if value is None:
            return queryset
        data = self.form.cleaned_data
        unit = data.get("rotated_unit_lineage") or data.get("rotated_unit")
        postings = counted_rotations(
            data.get("rotated_from"), data.get("rotated_to"), unit, lineage=bool(data.get("rotated_unit_lineage"))
        )
        condition = Q(pk__in=postings.values("cadre_id"))
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def by_evaluation(self, queryset, name, year):
        rated = Evaluation.objects.filter(year=int(year), quarter__isnull=True)
        level = self.form.cleaned_data.get("evaluation")
        if level == GOOD_OR_BETTER_KEY:
            rated = rated.filter(level__in=GOOD_OR_BETTER)
        elif level:
            rated = rated.filter(level=level)
        return queryset.filter(pk__in=rated.values("cadre_id"))
