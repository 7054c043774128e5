"""Where a request's time goes: each SQL query with its duration, optionally with its plan.

    python -m bench.explain --size small [--user province] [--analyze] "/postings/?unit=12&page=200"

The request runs like the benchmark's (test Client, signed in as a bench user); then every
query it made is listed with its time, and with --analyze re-run under EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

import argparse
import time

from bench.common import SIZES, setup_django, size_named


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--user", choices=["national", "province"], default="national")
    parser.add_argument("--analyze", action="store_true", help="print EXPLAIN ANALYZE of the slowest queries")
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args(argv)
    setup_django(size_named(args.size))

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=f"bench_{args.user}"))
    client.get(args.url)  # warm up
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(args.url)
        total = (time.perf_counter() - started) * 1000
    sql_ms = sum(float(q["time"]) * 1000 for q in captured.captured_queries)
    print(f"HTTP {response.status_code}, {total:.1f} ms in all, {len(captured)} queries, {sql_ms:.1f} ms in SQL")
    for number, query in enumerate(captured.captured_queries, start=1):
        print(f"{number:2}. {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    if args.analyze:
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[: args.top]
        with connection.cursor() as cursor:
            for query in slowest:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n" + query["sql"] + "\n" + "\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
