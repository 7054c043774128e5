"""The one place that decides what a user may see.

Every model's `visible_to(user)` asks `scope_filter` for a condition; no view, export or
job decides visibility on its own. A scope is a unit and everything under it:

* a scope given on a leading body (Huyện ủy, UBND, HĐND) reaches its whole territory;
* a scope on a unit that succeeded others (a commune formed by merger in 2025) also reaches
  its predecessors' records, through the lineage, so history stays visible after mergers;
* a scope on a unit that has ended still reaches everything recorded under it.

How the condition is written matters at 10^6 postings (docs/performance.md): a row is in scope
when its unit's id is among the units under the scope's paths. The units are found by one
indexed prefix scan on `units_unit.path` inside the query, so the row's own table is filtered on
its foreign-key column (an index or a hash probe) instead of joining every row to its unit and
testing each path prefix. A scope that covers every top-level unit (a province's board in a
one-province installation) reaches every unit, so it is written as "the unit is set".
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery
from django.utils import timezone

from rotation_registry.common.page_cache import stamp_read
from units.models import LEADING_KINDS, TERRITORY_KINDS, Unit

_CACHE_ATTR = "_scope_paths"
_EVERYWHERE_ATTR = "_scope_everywhere"
# Scopes found while kept-page views built their pages, by (user, page-cache stamp, day): see scope_paths.
_KEPT_SCOPES: dict[tuple, tuple[list[str], bool]] = {}
_KEPT_SCOPES_MAX = 2000


# A unit's direct predecessors, probed through the successor index for each unit found. `OFFSET 0` keeps the
# planner from flattening the probe into a join: it then estimated hundreds of rows found and hashed all
# ~10,000 lineage links each time (8 ms for the national officer's 87 units, against 0.2 ms of probes).
_DIRECT_PREDECESSORS = "SELECT l.predecessor_id AS id FROM units_unitlineage l WHERE l.successor_id = f.id OFFSET 0"

# One round trip: the scopes held today (a scope on a leading body — Huyện ủy, UBND, HĐND — is a
# scope on its territory), every unit they succeeded through the lineage, transitively, and the
# top-level units, to know whether the scope covers them all.
_SCOPE_UNITS_SQL = """
WITH RECURSIVE roots(id) AS (
    SELECT CASE WHEN u.kind = ANY(%(leading)s) AND p.kind = ANY(%(territory)s) THEN p.id ELSE u.id END
    FROM accounts_scopeassignment s
    JOIN units_unit u ON u.id = s.unit_id
    LEFT JOIN units_unit p ON p.id = u.parent_id
    WHERE s.user_id = %(user)s
      AND (s.valid_from IS NULL OR s.valid_from <= %(today)s)
      AND (s.valid_to IS NULL OR s.valid_to >= %(today)s)
), found(id) AS (
    SELECT id FROM roots
    UNION
    SELECT pred.id FROM found f CROSS JOIN LATERAL ({predecessors}) pred
)
SELECT u.path, true, u.parent_id IS NULL FROM units_unit u WHERE u.id IN (SELECT id FROM found)
UNION ALL
SELECT u.path, false, true FROM units_unit u WHERE u.parent_id IS NULL
""".replace("{predecessors}", _DIRECT_PREDECESSORS)


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
    # While a kept-page view builds its page, its stamp says everything the scope depends on (the user's
    # assignments and the units, through the data version): the scope found for the same stamp and day is
    # reused in this process instead of walking the units again (page_cache.py).
    stamp = stamp_read()
    kept_key = (user.pk, stamp, today) if stamp is not None else None
    kept = _KEPT_SCOPES.get(kept_key) if kept_key is not None else None
    if kept is not None:
        setattr(user, _CACHE_ATTR, kept[0])
        setattr(user, _EVERYWHERE_ATTR, kept[1])
        return kept[0]
    parameters = {
        "user": user.pk,
        "today": today,
        "leading": sorted(kind.value for kind in LEADING_KINDS),
        "territory": sorted(kind.value for kind in TERRITORY_KINDS),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SCOPE_UNITS_SQL, parameters)
        rows = cursor.fetchall()
    # Each part of the UNION is an index scan (ids, then parent_id IS NULL); a top-level unit in the
    # scope comes twice, once as held and once as top-level.
    units = [path for path, in_scope, _ in rows if in_scope]
    top_level = {path for path, _, is_top in rows if is_top}
    paths = _outermost(units)
    everywhere = bool(paths) and top_level <= set(paths)
    setattr(user, _CACHE_ATTR, paths)
    setattr(user, _EVERYWHERE_ATTR, everywhere)
    if kept_key is not None:
        if len(_KEPT_SCOPES) >= _KEPT_SCOPES_MAX:
            _KEPT_SCOPES.clear()  # old versions' scopes: simply start again
        _KEPT_SCOPES[kept_key] = (paths, everywhere)
    return paths


def _outermost(units: list[str]) -> list[str]:
    """The paths not covered by a shorter one (to keep the SQL small), shortest first. A path is "/1/23/456/":
    it is covered when one of its ancestors' paths was kept (a set lookup per level, not a scan of the list)."""
    paths: list[str] = []
    kept: set[str] = set()
    for path in sorted(units, key=lambda p: (len(p), p)):
        if not any(ancestor in kept for ancestor in _path_and_ancestors(path)):
            paths.append(path)
            kept.add(path)
    return paths


def _path_and_ancestors(path: str) -> list[str]:
    """ "/1/23/456/" -> ["/1/", "/1/23/", "/1/23/456/"]; a path of another shape is only itself."""
    if not (path.startswith("/") and path.endswith("/")):
        return [path]
    segments = path.strip("/").split("/")
    return ["/" + "/".join(segments[: n + 1]) + "/" for n in range(len(segments))]


def scope_roots(user) -> list[int] | None:
    """The ids of the top-level units the user's scope lies under: the first segment of each scope path.

    Any unit in scope has a path starting with one of the scope's paths, hence the same first segment,
    so a row whose units all lie under other top-level units cannot be in scope (the prefilter of
    `Cadre.visible_to`). Predecessors reached through the lineage are already among the paths. None when
    no top-level unit can be ruled out: an administrator, or a scope covering every top-level unit.
    No query beyond `scope_paths`'s (cached on the user).
    """
    paths = scope_paths(user)
    if paths is None or getattr(user, _EVERYWHERE_ATTR, False):
        return None
    roots: set[int] = set()
    for path in paths:
        segment = path.split("/", 2)[1] if path.startswith("/") else ""
        if not segment.isdigit():  # not a "/<id>/…" path: rule nothing out rather than hide rows
            return None
        roots.add(int(segment))
    return sorted(roots)


_PREDECESSORS_SQL = """
WITH RECURSIVE found(id) AS (
    SELECT %s::bigint
    UNION
    SELECT pred.id FROM found f CROSS JOIN LATERAL ({predecessors}) pred
)
SELECT id FROM found
""".replace("{predecessors}", _DIRECT_PREDECESSORS)


def with_predecessors(unit_id: int) -> list[int]:
    """The unit and every unit it succeeded, transitively, through every lineage link (merge, split,
    rename…): the walk a scope makes (the `found` step of _SCOPE_UNITS_SQL), for one unit."""
    with connection.cursor() as cursor:
        cursor.execute(_PREDECESSORS_SQL, [unit_id])
        return sorted(row[0] for row in cursor.fetchall())


def units_under(paths: list[str]) -> QuerySet[Unit]:
    """The ids of the units at or under any of the paths (an indexed prefix scan each), as a subquery."""
    return Unit.objects.filter(reduce(or_, (Q(path__startswith=path) for path in paths))).order_by().values("pk")


class AnyOf(Func):
    """`<column> = ANY(ARRAY(<subquery>))`: the column's own index can answer it (a bitmap scan per side).

    Unlike `IN (<subquery>)`, which PostgreSQL can only test row by row when two of them are joined
    by OR, this form lets the planner combine the foreign-key indexes of both sides (BitmapOr).
    """

    arg_joiner = " = ANY(ARRAY"
    template = "(%(expressions)s))"
    output_field = BooleanField()


def unit_in(field: str, units: QuerySet[Unit], *, indexed: bool = False) -> Q:
    """The row's unit (foreign key `field`) is one of `units`.

    indexed=True asks for the form an index can drive (a narrow filter the user chose, such as one
    province); otherwise a hashed `IN`, the cheap form for a condition checked on rows found otherwise.
    """
    if indexed:
        return Q(AnyOf(F(field), Subquery(units)))
    return Q(**{f"{field}__in": units})


def _field_in_scope(field: str, paths: list[str], everywhere: bool) -> Q:
    if field == "path":  # the unit itself: its path is right there, and indexed
        if everywhere:
            return Q(pk__isnull=False)
        return reduce(or_, (Q(path__startswith=path) for path in paths))
    relation = field.removesuffix("__path")
    if everywhere:
        return Q(**{f"{relation}__isnull": False})
    return unit_in(relation, units_under(paths))


def sees_whole_registry(user) -> bool:
    """Whether the user's scope reaches every top-level unit: records about the whole registry (no unit,
    such as the national statistics) are theirs. No query beyond `scope_paths`'s (cached on the user)."""
    paths = scope_paths(user)
    if paths is None:
        return True
    return bool(paths) and bool(getattr(user, _EVERYWHERE_ATTR, False))


def unit_or_registry_filter(user, path_field: str) -> Q:
    """For records about one unit or about the whole registry (`path_field`'s unit is null): those of units
    in the scope, and the whole-registry ones when the scope reaches everything."""
    if scope_paths(user) is None:
        return Q()  # not `Q() | …`: an empty Q OR'd with a condition would narrow to that condition
    condition = scope_filter(user, path_field)
    if sees_whole_registry(user):
        condition |= Q(**{f"{path_field.removesuffix('__path')}__isnull": True})
    return condition


def scope_filter(user, *path_fields: str) -> Q:
    """A condition true when any of the given unit-path fields falls inside the user's scope.

    `path_fields` name unit paths as seen from the model ("path" on Unit, "origin_unit__path" on
    Posting); the condition is written on the foreign key itself (see the module docstring).
    """
    paths = scope_paths(user)
    if paths is None:
        return Q()
    condition = Q(pk__in=[])
    if not paths:
        return condition
    everywhere = getattr(user, _EVERYWHERE_ATTR, False)
    for field in path_fields:
        condition |= _field_in_scope(field, paths, everywhere)
    return condition
