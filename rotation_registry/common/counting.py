"""How many rows a list has, without counting a large one: the planner's estimate first, a capped COUNT after.

A list page says how many rows match. Counting them exactly costs more than the page itself once a
filter matches hundreds of thousands of postings (a term over the whole country: 400,000 rows), and
even a COUNT capped at 10,001 rows may read far more than that when the matching rows are spread
through the table. So PostgreSQL's own estimate is read first (EXPLAIN, no rows touched): when it
says more than ESTIMATE_TRUSTED rows, the list says "hơn 10.000" without counting. Otherwise the rows
are counted, up to the cap. Both happen in one round trip, in the SQL function below.
"""

from __future__ import annotations

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


def capped_count(queryset: QuerySet, cap: int) -> int:
    """The number of rows, counted up to cap + 1; a number above cap when there are (or are estimated) more."""
    rows = queryset.order_by().values("pk")
    sql, params = rows.query.sql_with_params()
    connection = connections[rows.db]
    # The query goes to EXECUTE as text: its values are quoted by the driver (mogrify), never spliced in by hand.
    text = connection.ops.compose_sql(sql, params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rr_capped_count(%s, %s, %s)", [text, cap, ESTIMATE_TRUSTED])
        answer = cursor.fetchone()[0]
    return cap + 1 if answer < 0 else answer
