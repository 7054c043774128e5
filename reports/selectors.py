"""Reads for the home page: what needs attention, within the user's scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
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
    today = today or timezone.localdate()
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
    return Attention(
        drafts=list(postings.filter(status=PostingStatus.DRAFT).order_by("-id")[:SHOWN]),
        overrides_this_month=list(
            PostingOverride.objects.filter(posting__in=Posting.objects.visible_to(user))
            .filter(granted_at__date__gte=today.replace(day=1))
            .select_related("posting__cadre", "granted_by")
            .order_by("-granted_at")[:SHOWN]
        ),
        ending_soon=list(
            in_force.filter(
                planned_end__gte=today, planned_end__lte=today + datetime.timedelta(days=ENDING_WITHIN_DAYS)
            ).order_by("planned_end")[:SHOWN]
        ),
        overdue=list(in_force.filter(planned_end__lt=today).order_by("planned_end")[:SHOWN]),
        reports_due=list(periods[:SHOWN]),
    )
