"""The one place that decides what a user may see.

Every model's `visible_to(user)` asks `scope_filter` for a condition; no view, export or
job decides visibility on its own. A scope is a unit and everything under it:

* a scope given on a leading body (Huyện ủy, UBND, HĐND) reaches its whole territory;
* a scope on a unit that succeeded others (a commune formed by merger in 2025) also reaches
  its predecessors' records, through the lineage, so history stays visible after mergers;
* a scope on a unit that has ended still reaches everything recorded under it.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from units.models import LEADING_KINDS, Unit, UnitLineage

_CACHE_ATTR = "_scope_paths"


def _scope_root(unit: Unit) -> Unit:
    if unit.kind in LEADING_KINDS and unit.parent_id and unit.parent.is_territory:
        return unit.parent
    return unit


def _with_predecessors(unit_ids: set[int]) -> set[int]:
    """The units and, transitively, every unit they succeeded."""
    found = set(unit_ids)
    frontier = set(unit_ids)
    while frontier:
        frontier = (
            set(UnitLineage.objects.filter(successor_id__in=frontier).values_list("predecessor_id", flat=True)) - found
        )
        found |= frontier
    return found


def scope_paths(user) -> list[str] | None:
    """Path prefixes of the units the user may see; None means everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.sees_everything:
        return None
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    assignments = [s for s in user.scopes.select_related("unit__parent") if s.is_active_on(today)]
    roots = {_scope_root(s.unit).pk for s in assignments}
    units = Unit.objects.filter(pk__in=_with_predecessors(roots)).values_list("path", flat=True)
    # Drop prefixes already covered by a shorter one, to keep the SQL small.
    paths: list[str] = []
    for path in sorted(units, key=len):
        if not any(path.startswith(p) for p in paths):
            paths.append(path)
    setattr(user, _CACHE_ATTR, paths)
    return paths


def scope_filter(user, *path_fields: str) -> Q:
    """A condition true when any of the given unit-path fields falls inside the user's scope."""
    paths = scope_paths(user)
    if paths is None:
        return Q()
    condition = Q(pk__in=[])
    for field in path_fields:
        for path in paths:
            condition |= Q(**{f"{field}__startswith": path})
    return condition
