"""The global audit log at the size of a national registry (make bench, operation "audit").

The generator records its load as one change set, without an event per row (bench/dataset.py), so the event
tables hold the reference data's ~25,000 events only. A registry whose 10^6 postings and 10^5 cadres were
entered through the application holds at least one event for each: they are written here, in a transaction
that is rolled back afterwards (event tables are append-only: nothing else could remove them), one insert
event per posting and cadre and an update for every third posting, spread over ten years. The pages are
timed inside that transaction, then the database is vacuumed.
"""

from __future__ import annotations

import sys
import time

from bench.run import Bench, Budget, Catalogue, Result, _print_progress, vacuum

BUDGET = Budget(100, source="issue 3: như danh sách")

# Ten years of events, the same every run: a posting's or cadre's id decides its day and second.
_WHEN = "timestamptz '2016-01-01' + (id * 7919 % 3653) * interval '1 day' + (id % 86400) * interval '1 second'"


def _columns(cursor, table: str) -> str:
    cursor.execute(
        "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) FROM information_schema.columns"
        " WHERE table_name = %s AND column_name NOT LIKE 'pgh\\_%%'",
        [table],
    )
    return cursor.fetchone()[0]


def write_events() -> int:
    """Events for every posting and cadre (inside the caller's transaction); how many were written."""
    from django.db import connection

    started = time.monotonic()
    written = 0
    with connection.cursor() as cursor:
        for source, events, extra in (
            ("postings_posting", "postings_postingevent", "UNION ALL SELECT 'update', * FROM source WHERE id % 3 = 0"),
            ("cadres_cadre", "cadres_cadreevent", ""),
        ):
            columns = _columns(cursor, events)
            cursor.execute(
                f"WITH source AS (SELECT {_WHEN} AS at, id AS obj, {columns} FROM {source})"
                f" INSERT INTO {events} (pgh_label, pgh_created_at, pgh_obj_id, {columns})"
                f" SELECT 'insert', * FROM source {extra}"
            )
            written += cursor.rowcount
            cursor.execute(f"ANALYZE {events}")
    print(f"  {written:,} audit events written in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return written


def _deep_page(who: str, page: int) -> dict:
    """The query string of page `page` as its "Trang sau" link gives it (the token of the event before it)."""
    from accounts.models import User
    from rotation_registry.audit_log import Criteria, log_rows, token

    user = User.objects.get(username=f"bench_{who}")
    before = log_rows(user, Criteria(), offset=(page - 1) * 25 - 1, limit=1)
    return {"page": page, "after": token(before[0])}


def run_audit(bench: Bench, cat: Catalogue) -> list[Result]:
    from django.db import transaction
    from django.urls import reverse

    url = reverse("audit:log")
    results = []
    try:
        with transaction.atomic():
            events = write_events()
            data = f"{events:,} sự kiện (một cho mỗi luân chuyển và cán bộ, sửa 1/3 số luân chuyển)"
            cases = [
                ("trang 1, người dùng toàn quốc", "national", {}),
                ("trang 1, người dùng phạm vi 1 tỉnh", "province", {}),
                ("trang 100 (qua “Trang sau”), phạm vi 1 tỉnh", "province", _deep_page("province", 100)),
                ("lọc: sửa luân chuyển, phạm vi 1 tỉnh", "province", {"model": "postings.Posting", "action": "update"}),
            ]
            for label, who, params in cases:
                result = Result(f"Nhật ký thay đổi, {label}", data, BUDGET)
                results.append(bench.measure(result, who, url, lambda i, params=params: params, report=False))
                _print_progress(result)
            transaction.set_rollback(True)
    finally:
        vacuum("after the audit log's rolled-back events")
    return results
