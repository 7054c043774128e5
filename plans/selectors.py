"""Reads for plans: every queryset starts from visible_to(user).

A plan is visible when its issuing body is in the user's scope; its targets and planned cadres are
part of it. The plan-against-actual figures count postings through the posting list's own filters
(postings.filters.PostingFilterSet with `counted=true` and `plan_target=<id>` or `plan=<id>`), over
the postings the user may see: each "done" figure is exactly the length of the list its link opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse

from plans.filters import PlanFilterSet
from plans.models import Plan, PlanEntry, PlanTarget
from postings.filters import PostingFilterSet
from postings.models import Posting
from rotation_registry.common.formatting import format_percent
from rotation_registry.common.lists import filtered, sorted_by

PLAN_SORTS = {"date": ["date", "id"], "symbol": ["number", "id"]}


def plan_list(*, user, params: QueryDict):
    base = Plan.objects.visible_to(user).select_related("issuing_unit", "period")
    filterset, queryset, notice = filtered(PlanFilterSet, params, base)
    queryset, sort = sorted_by(queryset, params, PLAN_SORTS, "-date")
    return filterset, queryset, notice, sort


def plan_get_for_user(*, user, pk: int) -> Plan:
    related = ("issuing_unit", "period", "congress_term", "amends")
    return get_object_or_404(Plan.objects.visible_to(user).select_related(*related), pk=pk)


def plan_entry_get_for_user(*, user, pk: int) -> PlanEntry:
    """A planned cadre of a plan the user may see (404 otherwise)."""
    visible = PlanEntry.objects.filter(plan__in=Plan.objects.visible_to(user))
    return get_object_or_404(visible.select_related("plan", "cadre", "dest_unit", "dest_title", "posting"), pk=pk)


def plan_targets(*, plan: Plan) -> list[PlanTarget]:
    return list(PlanTarget.objects.filter(plan=plan).select_related("dest_unit", "dest_title").order_by("id"))


def plan_entries(*, plan: Plan) -> list[PlanEntry]:
    return list(
        PlanEntry.objects.filter(plan=plan).select_related("cadre", "dest_unit", "dest_title", "posting").order_by("id")
    )


def plan_amendments(*, user, plan: Plan) -> list[Plan]:
    """The later versions the user may see (a plan is amended at most once, so a chain)."""
    return list(Plan.objects.visible_to(user).filter(amends=plan).order_by("version"))


@dataclass
class TargetProgress:
    target: PlanTarget
    done: int
    share: str
    url: str


@dataclass
class PlanProgress:
    targets: list[TargetProgress]
    planned: int
    carried_out: int
    carried_out_url: str


def _drill(params: dict) -> tuple[dict, str]:
    query = {"counted": "true", **params}
    return query, f"{reverse('postings:list')}?{urlencode(query)}"


def _counted(user, query: dict) -> int:
    filterset = PostingFilterSet(query, queryset=Posting.objects.visible_to(user))
    return filterset.qs.order_by().count()


def plan_progress(*, user, plan: Plan, targets: list[PlanTarget], entries: list[PlanEntry]) -> PlanProgress:
    """Each target against what was done, and the planned cadres carried out (one COUNT per target)."""
    rows = []
    for target in targets:
        query, url = _drill({"plan_target": target.pk})
        done = _counted(user, query)
        rows.append(TargetProgress(target=target, done=done, share=format_percent(done, target.count, 1), url=url))
    query, url = _drill({"plan": plan.pk})
    return PlanProgress(
        targets=rows, planned=len(entries), carried_out=_counted(user, query) if entries else 0, carried_out_url=url
    )


def cadre_postings_for_entry(*, user, entry: PlanEntry) -> list[Posting]:
    """The postings of the planned cadre the user may see, newest first: the choices for the link."""
    return list(
        Posting.objects.visible_to(user)
        .filter(cadre_id=entry.cadre_id)
        .select_related("decision")
        .order_by("-start_date", "-id")[:50]
    )
