"""What every section shares: the parameters read once, the counted postings, the scope, the drill basics.

Counting rules (docs/statistics.md):
  * a posting counts in a period when its start date (the day the decision takes effect for the
    cadre) falls in [start, end], both days included;
  * only postings that happened count: in force or ended (drafts are not decided, cancelled ones
    never happened), and only the cadre's primary post: a concurrent post (kiêm nhiệm) taken with a
    move is not a second person-move (lượt người);
  * a posting is in the scope of a unit when its origin or its destination is that unit or under it
    ("today's structure": also under the units it succeeded, through the lineage, as a scope does).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q, QuerySet

from accounts.scopes import unit_in
from cadres.filters import units_reached
from postings.models import OCCUPYING_STATUSES, Posting, PostingKind
from units.models import Unit

PERIOD, CURRENT = "period", "current"


@dataclass
class Context:
    params: dict
    unit: Unit | None
    start: datetime.date
    end: datetime.date
    structure: str
    cutoff: datetime.date
    as_of: datetime.date
    compare: datetime.date
    _cache: dict = field(default_factory=dict)

    @property
    def lineage(self) -> bool:
        return self.structure == CURRENT and self.unit is not None

    @cached_property
    def reach(self) -> QuerySet | None:
        """Ids of the units in scope (a subquery), or None for everywhere."""
        return None if self.unit is None else units_reached(self.unit, lineage=self.lineage)

    def posting_scope(self) -> Q:
        if self.reach is None:
            return Q()
        return unit_in("origin_unit", self.reach, indexed=True) | unit_in("dest_unit", self.reach, indexed=True)

    def counted(self) -> QuerySet[Posting]:
        """Every counted posting of the period in scope, of any kind."""
        return (
            Posting.objects.filter(status__in=OCCUPYING_STATUSES, is_primary=True)
            .filter(start_date__gte=self.start, start_date__lte=self.end)
            .filter(self.posting_scope())
            .order_by()
        )

    def rotations(self) -> QuerySet[Posting]:
        """Counted rotations (luân chuyển) of the period in scope: what "lượt luân chuyển" means here."""
        return self.counted().filter(kind=PostingKind.ROTATION)

    # --- Drill-down basics: the posting and cadre list filters matching the above ---

    @property
    def scope_filter(self) -> dict:
        if self.unit is None:
            return {}
        return {"unit_lineage": self.unit.pk} if self.lineage else {"unit": self.unit.pk}

    @property
    def cadre_scope_filter(self) -> dict:
        if self.unit is None:
            return {}
        return {"works_in_lineage": self.unit.pk} if self.lineage else {"works_in": self.unit.pk}

    @property
    def counted_filter(self) -> dict:
        return {"counted": "true", **self.scope_filter}

    @property
    def period_filter(self) -> dict:
        return {"start_from": self.start.isoformat(), "start_to": self.end.isoformat(), **self.counted_filter}

    @property
    def rotation_filter(self) -> dict:
        return {"kind": PostingKind.ROTATION.value, **self.period_filter}
