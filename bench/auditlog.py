"""The global audit log at the size of a national registry (make bench, operation "audit").

The generator records its load as one change set, without an event per row (bench/dataset.py), so the event
tables hold the reference data's ~25,000 events only. A registry whose 10^6 postings and 10^5 cadres were
entered through the application holds at least one event for each: they are written here, one insert event
per posting and cadre and an update for every third posting, spread over ten years, written by 100,000
requests of 300 officers (and 3 of a rare one, for the filter by person). They are committed and vacuumed
before the pages are timed, as a live registry's tables are (timed in a transaction left open, every
index-only walk fetched each row from the table: the visibility map knew none of them), and removed
afterwards with the triggers off (`session_replication_role = replica`, as the generator loads), since event
tables refuse a DELETE. Their contexts carry MARKER: what a run that stopped half way left is removed by the
next.
"""

from __future__ import annotations

import sys
import time

from bench.run import Bench, Budget, Catalogue, Result, _print_progress, vacuum

BUDGET = Budget(100, source="issue 3: như danh sách")

# Ten years of events, the same every run: a posting's or cadre's id decides its day and second.
_WHEN = "timestamptz '2016-01-01' + (s.id * 7919 % 3653) * interval '1 day' + (s.id % 86400) * interval '1 second'"


def _columns(cursor, table: str) -> str:
    cursor.execute(
        "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns"
        " WHERE table_name = %s AND column_name NOT LIKE 'pgh\\_%%'",
        [table],
    )
    return cursor.fetchone()[0]


CONTEXTS = 100_000  # the requests and jobs that wrote the events
PEOPLE = 300  # the officers who made them: "canbo_0" … "canbo_299"; RARE_PERSON made the first 3 only
RARE_PERSON = "canbo_hiem"


MARKER = "bench_auditlog"  # in the metadata of the contexts of the events written here


def write_events() -> int:
    """Events for every posting and cadre, each with the context of the request that wrote it, committed and
    vacuumed; how many events were written."""
    from django.db import connection, transaction

    started = time.monotonic()
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_contexts ON COMMIT DROP AS"
            " SELECT n, gen_random_uuid() AS id FROM generate_series(0, %s) AS n",
            [CONTEXTS - 1],
        )
        cursor.execute(
            "INSERT INTO pghistory_context (id, created_at, updated_at, metadata)"
            " SELECT id, now(), now(), jsonb_build_object(%s, true,"
            " 'username', CASE WHEN n < 3 THEN %s ELSE 'canbo_' || n %% %s END,"
            " 'reason', 'Cập nhật theo hồ sơ số ' || n) FROM bench_contexts",
            [MARKER, RARE_PERSON, PEOPLE],
        )
        for source, events, extra in _TABLES:
            columns = _columns(cursor, events)
            cursor.execute(
                f"WITH source AS (SELECT {_WHEN} AS at, s.id AS obj, c.id AS context, {_prefixed(columns)}"
                f" FROM {source} s JOIN bench_contexts c ON c.n = s.id % {CONTEXTS})"
                f" INSERT INTO {events} (pgh_label, pgh_created_at, pgh_obj_id, pgh_context_id, {columns})"
                f" SELECT 'insert', * FROM source {extra}"
            )
            written += cursor.rowcount
    vacuum("after writing the audit log's events")
    print(f"  {written:,} audit events written and vacuumed in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return written


def remove_events() -> None:
    """Remove the events and contexts written by write_events (by this run or one that stopped half way)."""
    from django.db import connection, transaction

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # event tables refuse DELETE otherwise
        cursor.execute("SELECT id FROM pghistory_context WHERE metadata ? %s", [MARKER])
        if cursor.fetchone() is None:
            return
        for _source, events, _extra in _TABLES:
            cursor.execute(
                f"DELETE FROM {events} WHERE pgh_context_id IN (SELECT id FROM pghistory_context WHERE metadata ? %s)",
                [MARKER],
            )
        cursor.execute("DELETE FROM pghistory_context WHERE metadata ? %s", [MARKER])
    vacuum("after removing the audit log's events")
    print(f"  audit events of the bench removed in {time.monotonic() - started:.1f} s", file=sys.stderr)


_TABLES = (
    ("postings_posting", "postings_postingevent", "UNION ALL SELECT 'update', * FROM source WHERE id % 3 = 0"),
    ("cadres_cadre", "cadres_cadreevent", ""),
)


def _prefixed(columns: str) -> str:
    return ", ".join(f"s.{column}" for column in columns.split(", "))


def _deep_page(who: str, page: int) -> dict:
    """The query string of page `page` as its "Trang sau" link gives it (the token of the event before it)."""
    from accounts.models import User
    from rotation_registry.audit_log import Criteria, log_rows, token

    user = User.objects.get(username=f"bench_{who}")
    before = log_rows(user, Criteria(), offset=(page - 1) * 25 - 1, limit=1)
    return {"page": page, "after": token(before[0])}


def run_audit(bench: Bench, cat: Catalogue) -> list[Result]:
    from django.urls import reverse

    url = reverse("audit:log")
    results = []
    remove_events()
    try:
        events = write_events()
        data = f"{events:,} sự kiện (một cho mỗi luân chuyển và cán bộ, sửa 1/3 số luân chuyển)"
        cases = [
            ("trang 1, người dùng toàn quốc", "national", {}),
            ("trang 1, người dùng phạm vi 1 tỉnh", "province", {}),
            ("trang 100 (qua “Trang sau”), phạm vi 1 tỉnh", "province", _deep_page("province", 100)),
            ("lọc: sửa luân chuyển, phạm vi 1 tỉnh", "province", {"model": "postings.Posting", "action": "update"}),
            ("lọc: một người (3 lần ghi), toàn quốc", "national", {"username": RARE_PERSON}),
            ("lọc: một người (1/300 số lần ghi), phạm vi 1 tỉnh", "province", {"username": "canbo_7"}),
        ]
        for label, who, params in cases:
            result = Result(f"Nhật ký thay đổi, {label}", data, BUDGET)
            results.append(bench.measure(result, who, url, lambda i, params=params: params, report=False))
            _print_progress(result)
    finally:
        remove_events()
    return results
