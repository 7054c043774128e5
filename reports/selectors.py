"""Reads for the home page: what needs attention, within the user's scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.scopes import scope_filter
from postings.models import Posting, PostingOverride, PostingStatus
from reports.models import QuarterlyReport, ReportingPeriod, ReportStatus

ENDING_WITHIN_DAYS = 90
SHOWN = 10


@dataclass
class Attention:
    drafts: list
    overrides_this_month: list
    ending_soon: list
    overdue: list
    reports_due: list


def attention_for(*, user, today: datetime.date | None = None) -> Attention:
    lists = attention_querysets(user=user, today=today or timezone.localdate())
    return Attention(**{name: list(queryset[:SHOWN]) for name, queryset in lists.items()})


def attention_querysets(*, user, today: datetime.date) -> dict[str, QuerySet]:
    """The home page's lists, unsliced (tests/performance/test_index_use.py plans them)."""
    postings = Posting.objects.visible_to(user).select_related("cadre", "decision")
    in_force = postings.filter(status=PostingStatus.IN_FORCE, planned_end__isnull=False)
    accepted = QuarterlyReport.objects.filter(
        unit=OuterRef("unit"), year=OuterRef("year"), quarter=OuterRef("quarter"), status=ReportStatus.ACCEPTED
    )
    periods = (
        ReportingPeriod.objects.filter(scope_filter(user, "unit__path"))
        .filter(deadline__gte=today - datetime.timedelta(days=90))
        .exclude(Exists(accepted))
        .select_related("unit")
        .order_by("deadline")
    )
    return {
        "drafts": postings.filter(status=PostingStatus.DRAFT).order_by("-id"),
        "overrides_this_month": (
            PostingOverride.objects.filter(posting__in=Posting.objects.visible_to(user))
            .filter(granted_at__date__gte=today.replace(day=1))
            .select_related("posting__cadre", "granted_by")
            .order_by("-granted_at")
        ),
        "ending_soon": in_force.filter(
            planned_end__gte=today, planned_end__lte=today + datetime.timedelta(days=ENDING_WITHIN_DAYS)
        ).order_by("planned_end"),
        "overdue": in_force.filter(planned_end__lt=today).order_by("planned_end"),
        "reports_due": periods,
    }


# --- Statistics runs (docs/statistics-jobs.md) ---


def _runs_key(parameters: dict | None, key: str | None) -> str:
    from reports.runs import parameters_key

    if key is not None:
        return key
    if parameters is None:
        raise TypeError("Give the canonical parameters or their key.")
    return parameters_key(parameters)


def latest_run(*, user, parameters: dict | None = None, key: str | None = None):
    """The latest done run for the parameters in the user's scope, and whether the data changed since.

    `parameters` must be canonical (reports.statistics.engine.normalise_parameters), or pass `key`.
    One query (once the user's scope is known): the run, the current data version and whether a
    recompute is queued or running (`run.in_progress`) come together. Returns (run, changed_since);
    with no done run yet, (None, True).
    """
    from django.db.models.expressions import RawSQL

    from reports.models import RunStatus, StatisticsRun
    from reports.runs import FINGERPRINT_SQL

    key = _runs_key(parameters, key)
    pending = StatisticsRun.objects.filter(
        parameters_key=OuterRef("parameters_key"), status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    )
    run = (
        StatisticsRun.objects.visible_to(user)
        .filter(parameters_key=key, status=RunStatus.DONE)
        .annotate(current_fingerprint=RawSQL(FINGERPRINT_SQL, []), in_progress=Exists(pending))
        .select_related("unit")
        .order_by("-fingerprint")
        .first()
    )
    if run is None:
        return None, True
    return run, run.current_fingerprint != run.fingerprint


def runs_for(*, user, parameters: dict | None = None, key: str | None = None, limit: int = 20) -> list:
    """The runs for the parameters, newest first, of every status (history; results left out)."""
    from reports.models import StatisticsRun

    key = _runs_key(parameters, key)
    return list(
        StatisticsRun.objects.visible_to(user)
        .filter(parameters_key=key)
        .defer("results")
        .select_related("requested_by")
        .order_by("-requested_at", "-id")[:limit]
    )


def run_get_for_user(*, user, pk: int):
    """One run in the user's scope (a progress poll), or 404."""
    from django.shortcuts import get_object_or_404

    from reports.models import StatisticsRun

    return get_object_or_404(StatisticsRun.objects.visible_to(user).select_related("unit"), pk=pk)
