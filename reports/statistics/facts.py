"""One pass over the counted postings for every posting breakdown.

The province's postings are scattered over the table, so reading them is what costs; reading them
once for Biểu 11, the kinds, purposes, titles and units (instead of once per table) is what keeps a
province's recompute within its budget (docs/statistics.md). The rows are selected by the ORM —
the same `Context.counted()` queryset and the same Q conditions as everywhere else, each condition
a boolean column — and only the wrapper (one CTE, one GROUP BY per breakdown) is SQL, since the ORM cannot write it.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q

from postings.models import PostingKind
from reports.statistics.context import Context

# The dimensions and their columns; every breakdown groups by (kind, <one of them>).
DIMENSIONS = {"purpose": "purpose", "direction": "direction", "title": "dest_position__title_id",
              "origin": "origin_unit_id", "dest": "dest_unit_id"}  # fmt: skip
SETS = ("kind", *DIMENSIONS)
INTEGER_DIMENSIONS = {"title", "origin", "dest"}


# Enough memory for the hash joins and the CTE of a national recompute not to spill to disk (the
# server default is often 4 MB); SET LOCAL ends with the transaction the statement runs in.
WORK_MEM = "64MB"


def roomy_work_mem(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")


def _flags(ctx: Context) -> tuple[dict[str, Q], dict[str, Q]]:
    """The conditions counted per direction (Biểu 11 rows) and per kind (departments to key posts)."""
    from reports.statistics.breakdowns import department_conditions
    from reports.statistics.form11 import row_conditions

    return row_conditions(ctx), department_conditions(ctx)


def posting_facts(ctx: Context) -> dict[str, dict[tuple, dict[str, int]]]:
    """{set: {(kind, value): {"n": count, <flag>: count of rows where the flag holds}}}; set "kind" has (kind,)."""
    if "facts" not in ctx._cache:
        direction_flags, kind_flags = _flags(ctx)
        reader = _facts_in_one_pass if ctx.unit is not None else _facts_set_by_set
        ctx._cache["facts"] = reader(ctx, direction_flags, kind_flags)
    return ctx._cache["facts"]


def _facts_set_by_set(ctx: Context, direction_flags: dict, kind_flags: dict) -> dict:
    """Everything (no unit): one plain aggregate per breakdown, each a parallel scan of the table.

    Reading the whole table in parallel is cheaper per breakdown than materialising 10^6 rows once
    (a CTE runs in a single process); with a unit the rows are few and scattered, so one pass wins.
    """
    from reports.statistics.breakdowns import department_conditions

    facts: dict[str, dict[tuple, dict[str, int]]] = {name: {} for name in SETS}
    flags = {**direction_flags, **kind_flags}
    rotation = PostingKind.ROTATION.value
    # Only rotations are broken down further; the kinds are counted apart, and the departments' moves
    # with joins (a hashed IN subquery would keep PostgreSQL from scanning in parallel).
    queries = [("kind", ctx.counted(), {"d_kind": F("kind")}, {})]
    departments = department_conditions(ctx, joins=True)
    moved = ctx.rotations().filter(departments["dept_moves"])  # inner joins: only those rows are read
    queries.append(("kind", moved, {"d_kind": F("kind")}, {"dept_moves": Q(), "dept_heads": departments["heads"]}))
    for name, field in DIMENSIONS.items():
        wanted = direction_flags if name == "direction" else {}
        queries.append((name, ctx.rotations(), {"d_kind": F("kind"), "d_value": F(field)}, wanted))
    for name, queryset, group, wanted in queries:
        counts = {f"f{i}": Count("pk", filter=q) if q else Count("pk") for i, q in enumerate(wanted.values())}
        with transaction.atomic(), connection.cursor() as cursor:
            roomy_work_mem(cursor)
            rows = list(queryset.values(**group).annotate(n=Count("pk"), **counts).order_by())
        for row in rows:
            key = (row["d_kind"],) if name == "kind" else (row["d_kind"], row["d_value"])
            # The departments' query reads a part of the rotations: the kind's count is the first query's.
            found = facts[name].setdefault(key, {"n": row["n"], **dict.fromkeys(flags, 0)})
            found.update({flag: row[f"f{i}"] for i, flag in enumerate(wanted)})
    facts["kind"].setdefault((rotation,), {"n": 0, **dict.fromkeys(flags, 0)})
    return facts


def _facts_in_one_pass(ctx: Context, direction_flags: dict, kind_flags: dict) -> dict:
    flags = {**direction_flags, **kind_flags}
    names = {key: f"f{i}" for i, key in enumerate(flags)}
    columns = {"d_kind": F("kind"), **{f"d_{name}": F(field) for name, field in DIMENSIONS.items()}}
    columns |= {names[key]: ExpressionWrapper(q, output_field=BooleanField()) for key, q in flags.items()}
    inner = ctx.counted().annotate(**columns).values(*columns)
    sql, params = inner.query.sql_with_params()
    # The rows are read once (a MATERIALIZED CTE), then each set is one hash aggregate over them; the
    # conditions are counted only where they are read (the kinds and the directions), which keeps the
    # national recompute close to plain GROUP BYs (reports/statistics/baseline.py).

    def counts(wanted: set[str]) -> str:
        return ", ".join(f'COUNT(*) FILTER (WHERE "{names[k]}")' if k in wanted else "0" for k in flags)

    parts = [f"SELECT 'kind', d_kind, NULL, COUNT(*), {counts(set(kind_flags))} FROM b GROUP BY d_kind"]
    for name in DIMENSIONS:
        wanted = set(direction_flags) if name == "direction" else set()
        parts.append(
            f"SELECT '{name}', d_kind, d_{name}::text, COUNT(*), {counts(wanted)} FROM b GROUP BY d_kind, d_{name}"
        )
    outer = f"WITH b AS MATERIALIZED ({sql}) " + " UNION ALL ".join(parts)
    with transaction.atomic(), connection.cursor() as cursor:
        roomy_work_mem(cursor)
        cursor.execute(outer, params)
        rows = cursor.fetchall()
    facts: dict[str, dict[tuple, dict[str, int]]] = {name: {} for name in SETS}
    for name, kind, value, n, *flag_counts in rows:
        if name == "kind":
            key = (kind,)
        else:
            key = (kind, int(value) if value is not None and name in INTEGER_DIMENSIONS else value)
        facts[name][key] = {"n": n, **dict(zip(flags, flag_counts, strict=True))}
    return facts


def by(ctx: Context, name: str, kind: str | None) -> dict:
    """{value: counts} of one set, for one kind (None: every kind, summed)."""
    out: dict = {}
    for key, counts in posting_facts(ctx)[name].items():
        if kind is not None and key[0] != kind:
            continue
        value = key[-1] if name != "kind" else key[0]
        if value in out:
            out[value] = {k: out[value].get(k, 0) + v for k, v in counts.items()}
        else:
            out[value] = dict(counts)
    return out
