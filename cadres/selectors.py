"""Reads for cadres: every queryset starts from visible_to(user)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.shortcuts import get_object_or_404

from cadres.filters import CadreFilterSet
from cadres.models import Cadre, Evaluation, PlanningRecord
from postings.models import Posting
from rotation_registry.common.lists import filtered, sorted_by

CADRE_SORTS = {"name": ["sort_key", "date_of_birth", "id"], "dob": ["date_of_birth", "id"]}


def cadre_list(*, user, params: QueryDict) -> tuple[CadreFilterSet, QuerySet[Cadre], str, str]:
    """(filterset, rows, notice about dropped filters, sort key) for the cadre list and its exports."""
    base = Cadre.objects.visible_to(user).select_related("unit")
    filterset, queryset, notice = filtered(CadreFilterSet, params, base)
    queryset, sort = sorted_by(queryset, params, CADRE_SORTS, "name")
    return filterset, queryset, notice, sort


def cadre_get_for_user(*, user, pk: int) -> Cadre:
    return get_object_or_404(Cadre.objects.visible_to(user).select_related("unit", "home_town_unit"), pk=pk)


def cadre_timeline(*, user, cadre: Cadre) -> list[Posting]:
    """Every posting of the cadre the user may see, oldest first, with its decision."""
    return list(
        Posting.objects.visible_to(user)
        .filter(cadre=cadre)
        .select_related("decision", "origin_unit", "dest_unit")
        .prefetch_related(Prefetch("overrides"))
        .order_by("start_date", "id")
    )


def cadre_planning(*, cadre: Cadre) -> list[PlanningRecord]:
    return list(cadre.planning_records.select_related("target_title", "target_unit", "term"))


def cadre_evaluations(*, cadre: Cadre) -> list[Evaluation]:
    return list(cadre.evaluations.all())
