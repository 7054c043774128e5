"""How many rows a list has, without counting a large one: the planner's estimate first, a capped COUNT after.

A list page says how many rows match. Counting them exactly costs more than the page itself once a
filter matches hundreds of thousands of postings (a term over the whole country: 400,000 rows), and
even a COUNT capped at 10,001 rows may read far more than that when the matching rows are spread
through the table. So PostgreSQL's own estimate is read first (EXPLAIN, no rows touched): when it
says more than ESTIMATE_TRUSTED rows, the list says "hơn 10.000" without counting. Otherwise the rows
are counted, up to the cap. Both happen in one round trip, in the SQL function below.

A count is kept (per process) with the registry's data version (reports/data_version.py, bumped at
every commit that writes the registry), and reused while the version has not moved: the next pages
of a list, or the same filter opened again, cost one read of the version, in the same round trip.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.db import connections
from django.db.models import QuerySet

# Past this estimate the list is certainly longer than the shown cap: an estimate this far off is not seen.
ESTIMATE_TRUSTED = 100_000

CAPPED_COUNT_FUNCTION = """
CREATE OR REPLACE FUNCTION rr_capped_count(query text, cap bigint, trusted bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    plan json;
    estimate bigint;
    counted bigint;
BEGIN
    -- A negative answer is an estimate: the planner expects more than `trusted` rows.
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    estimate := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
    IF estimate > trusted THEN
        RETURN -estimate;
    END IF;
    EXECUTE 'SELECT count(*) FROM (' || query || ' LIMIT ' || (cap + 1) || ') AS capped' INTO counted;
    RETURN counted;
END
$$;
"""


# Per-process memory: a count is a few bytes, and a stale one cannot be served (the version is checked).
COUNT_CACHE = "list-counts"


def capped_count(queryset: QuerySet, cap: int) -> int:
    """The number of rows, counted up to cap + 1; a number above cap when there are (or are estimated) more."""
    rows = queryset.order_by().values("pk")
    sql, params = rows.query.sql_with_params()
    connection = connections[rows.db]
    # The query goes to EXECUTE as text: its values are quoted by the driver (mogrify), never spliced in by hand.
    text = connection.ops.compose_sql(sql, params)
    key = hashlib.sha256(f"{cap}:{text}".encode()).hexdigest()
    cache = caches[COUNT_CACHE]
    version, counted = cache.get(key, (None, None))
    with connection.cursor() as cursor:
        # One round trip: the current data version, and a count only when the kept one is not for it. A
        # transaction that has written the registry itself (reports.data_changed, set by the change
        # trigger) sees rows the version does not cover yet: it neither reuses nor keeps a count.
        cursor.execute(
            "SELECT CASE WHEN own THEN NULL ELSE v.version END,"
            " CASE WHEN v.version = %s AND NOT own THEN NULL ELSE rr_capped_count(%s, %s, %s) END"
            " FROM (SELECT current_setting('reports.data_changed', true) IS NOT DISTINCT FROM 'on' AS own) AS tx"
            " LEFT JOIN reports_data_version v ON v.id = 1",
            [version if version is not None else -1, text, cap, ESTIMATE_TRUSTED],
        )
        current, answer = cursor.fetchone()
    if answer is None:
        answer = counted
    elif current is not None:
        cache.set(key, (current, answer))
    return cap + 1 if answer < 0 else answer


def estimated_rows(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of the rows the queryset matches (EXPLAIN: planned, no row read)."""
    rows = queryset.order_by().values("pk")
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]  # psycopg decodes the JSON
    return int(plan[0]["Plan"]["Plan Rows"])
