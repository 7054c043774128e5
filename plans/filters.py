"""Filters of the plan list; the same FilterSet serves the page and its export."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plans.models import Plan, PlanStatus
from rotation_registry.common.widgets import AutocompleteWidget
from units.models import Term, TermKind, Unit


class PlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Số, ký hiệu hoặc trích yếu"))
    issuing_unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        widget=AutocompleteWidget("units:autocomplete", Unit),
        label=_("Cơ quan ban hành"),
    )
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("Trạng thái"))
    period = django_filters.ModelChoiceFilter(
        queryset=Term.objects.filter(kind=TermKind.PLAN), label=_("Giai đoạn kế hoạch")
    )
    term = django_filters.ModelChoiceFilter(
        queryset=Term.objects.filter(kind=TermKind.CONGRESS), field_name="congress_term", label=_("Nhiệm kỳ")
    )
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("Ban hành từ ngày"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Ban hành đến ngày"))

    class Meta:
        model = Plan
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # unaccent on both sides: "kh/tu" finds 42-KH/TU, "luan chuyen" finds "luân chuyển".
        return queryset.filter(Q(symbol__unaccent__icontains=value) | Q(title__unaccent__icontains=value))
