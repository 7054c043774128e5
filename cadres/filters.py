"""The cadre list's filters; the same FilterSet serves the page and its exports."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.scopes import unit_in, units_under
from cadres.models import Cadre, ManagementCategory, PoliticalTheory, ProfessionalLevel, Sex
from postings.models import Posting
from rotation_registry.common.vietnamese import search_key
from rotation_registry.common.widgets import AutocompleteWidget
from units.models import Unit

AGE_BANDS = [("40", "Từ 40 tuổi trở xuống"), ("41-50", "Từ 41 đến 50 tuổi"), ("51", "Trên 50 tuổi")]


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


class CadreFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Họ tên (gõ không dấu được)")
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        widget=AutocompleteWidget("units:autocomplete", Unit),
        label="Đơn vị (gồm đơn vị trực thuộc)",
        method="in_unit",
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label="Giới tính")
    ethnicity = django_filters.CharFilter(method="by_ethnicity", label="Dân tộc")
    minority = django_filters.BooleanFilter(method="ethnic_minority", label="Dân tộc thiểu số")
    age_band = django_filters.ChoiceFilter(choices=AGE_BANDS, method="by_age_band", label="Độ tuổi")
    age_on = django_filters.DateFilter(method="noop", label="Tính tuổi vào ngày")
    management_category = django_filters.ChoiceFilter(choices=ManagementCategory.choices, label="Diện quản lý")
    professional_level = django_filters.ChoiceFilter(choices=ProfessionalLevel.choices[1:], label="Trình độ chuyên môn")
    political_theory = django_filters.ChoiceFilter(choices=PoliticalTheory.choices[1:], label="Lý luận chính trị")

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
