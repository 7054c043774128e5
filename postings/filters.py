"""Filters of the posting and decision lists; the same FilterSets serve the pages and their exports."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from accounts.scopes import unit_in, units_under
from cadres.filters import AGE_BANDS, filter_age_band
from cadres.models import ManagementCategory, Sex
from postings.directions import Direction
from postings.models import Decision, DecisionStatus, Posting, PostingKind, PostingPurpose, PostingStatus
from rotation_registry.common.vietnamese import search_key
from rotation_registry.common.widgets import AutocompleteWidget
from units.models import Level, PositionTitle, Term, Unit


class PostingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Họ tên cán bộ (gõ không dấu được)")
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        widget=AutocompleteWidget("units:autocomplete", Unit),
        label="Đơn vị đi hoặc đến (gồm đơn vị trực thuộc)",
        method="in_unit",
    )
    level = django_filters.ChoiceFilter(choices=Level.choices, field_name="dest_unit__level", label="Cấp nơi đến")
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label="Hướng luân chuyển")
    kind = django_filters.ChoiceFilter(choices=PostingKind.choices, label="Hình thức")
    purpose = django_filters.ChoiceFilter(choices=PostingPurpose.choices, label="Mục đích")
    status = django_filters.ChoiceFilter(choices=PostingStatus.choices, label="Trạng thái")
    term = django_filters.ModelChoiceFilter(queryset=Term.objects.all(), method="in_term", label="Nhiệm kỳ, giai đoạn")
    start_from = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label="Bắt đầu từ ngày")
    start_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte", label="Bắt đầu đến ngày")
    title = django_filters.ModelChoiceFilter(
        queryset=PositionTitle.objects.all(), field_name="dest_position__title", label="Chức danh nơi đến"
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, field_name="cadre__sex", label="Giới tính")
    ethnicity = django_filters.CharFilter(field_name="cadre__ethnicity", lookup_expr="iexact", label="Dân tộc")
    age_band = django_filters.ChoiceFilter(choices=AGE_BANDS, method="by_age_band", label="Độ tuổi (khi bắt đầu)")
    management_category = django_filters.ChoiceFilter(
        choices=ManagementCategory.choices, field_name="cadre__management_category", label="Diện quản lý"
    )
    plan = django_filters.NumberFilter(method="in_plan", label="Thuộc kế hoạch (mã)")

    class Meta:
        model = Posting
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(cadre__search_key__contains=search_key(value)) if value.strip() else queryset

    def in_unit(self, queryset, name, unit):
        # On the foreign keys, through the units under the chosen one: both sides' indexes answer it.
        units = units_under([unit.path])
        return queryset.filter(unit_in("origin_unit", units, indexed=True) | unit_in("dest_unit", units, indexed=True))

    def in_term(self, queryset, name, term):
        return queryset.filter(start_date__gte=term.start, start_date__lte=term.end)

    def by_age_band(self, queryset, name, value):
        # The age band of a move is the cadre's age when it started; the list filters on today's date
        # for simplicity of the SQL, so "on a date" is the start_to date when given.
        return filter_age_band(queryset, "cadre__", value, self.form.cleaned_data.get("start_to"))

    def in_plan(self, queryset, name, value):
        from plans.models import PlanEntry

        return queryset.filter(pk__in=PlanEntry.objects.filter(plan_id=value).values("posting_id"))


class DecisionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Số, ký hiệu hoặc trích yếu")
    issuing_unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        widget=AutocompleteWidget("units:autocomplete", Unit),
        label="Cơ quan ban hành",
    )
    status = django_filters.ChoiceFilter(choices=DecisionStatus.choices, label="Trạng thái")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="Từ ngày")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="Đến ngày")
    term = django_filters.ModelChoiceFilter(
        queryset=Term.objects.filter(kind="congress"), field_name="congress_term", label="Nhiệm kỳ"
    )

    class Meta:
        model = Decision
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(symbol__icontains=value) | Q(summary__icontains=value)) if value else queryset
