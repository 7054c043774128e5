"""Reads for postings and decisions: every queryset starts from visible_to(user)."""

from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import get_object_or_404

from postings.filters import DecisionFilterSet, PostingFilterSet
from postings.models import OCCUPYING_STATUSES, Decision, Posting
from rotation_registry.common.lists import filtered, sorted_by

POSTING_SORTS = {
    "start": ["start_date", "id"],
    "name": ["cadre__sort_key", "start_date", "id"],
    "end": ["planned_end", "id"],
}
DECISION_SORTS = {"date": ["date", "id"], "symbol": ["number", "id"]}


def posting_list(*, user, params: QueryDict):
    base = Posting.objects.visible_to(user).select_related("cadre", "decision")
    filterset, queryset, notice = filtered(PostingFilterSet, params, base)
    queryset, sort = sorted_by(queryset, params, POSTING_SORTS, "-start")
    return filterset, queryset, notice, sort


def posting_get_for_user(*, user, pk: int) -> Posting:
    related = (
        "cadre",
        "decision",
        "origin_unit",
        "dest_unit",
        "origin_position__title",
        "dest_position__title",
        "rule_set",
    )
    return get_object_or_404(Posting.objects.visible_to(user).select_related(*related), pk=pk)


def posting_page_for_user(*, user, pk: int) -> Posting:
    """The posting for its own page, which shows the stored title and unit names: only the cadre, the decision
    and the rule set are joined. PostgreSQL took longer to plan the seven-table join of posting_get_for_user
    (3,8–7,8 ms) than to run it (0,4 ms); the positions, titles and units are read only by the forms."""
    return get_object_or_404(Posting.objects.visible_to(user).select_related("cadre", "decision", "rule_set"), pk=pk)


def decision_list(*, user, params: QueryDict):
    base = Decision.objects.visible_to(user).select_related("issuing_unit")
    filterset, queryset, notice = filtered(DecisionFilterSet, params, base)
    queryset, sort = sorted_by(queryset, params, DECISION_SORTS, "-date")
    return filterset, queryset, notice, sort


def decision_get_for_user(*, user, pk: int) -> Decision:
    return get_object_or_404(Decision.objects.visible_to(user).select_related("issuing_unit", "congress_term"), pk=pk)


def decision_postings(*, user, decision: Decision) -> list[Posting]:
    """The decision's postings the user may see (an office sees only those of its scope)."""
    return list(
        Posting.objects.visible_to(user).filter(decision=decision).select_related("cadre").order_by("cadre__sort_key")
    )


def primary_posting_on(*, cadre, day) -> Posting | None:
    """The cadre's primary posting held on a day (one ending that very day still counts: it is the origin).

    Not scoped: the services use it to fill a new posting's origin, whoever records it.
    """
    return (
        Posting.objects.filter(cadre=cadre, is_primary=True, status__in=OCCUPYING_STATUSES)
        .filter(start_date__lte=day)
        .exclude(actual_end__lt=day)
        .select_related("dest_position__title", "dest_unit")
        .order_by("-start_date", "-id")
        .first()
    )
