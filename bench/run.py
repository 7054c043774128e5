"""The speed budgets of issues 3 and 4, measured on the generated dataset.

    python -m bench.run --size full|small [--iterations 30] [--regenerate] [--only list,search,tree,...]
                        [--import-iterations 5] [--pg-option jit=off] [--json FILE]

Each operation is a real request through Django's test Client (middleware, view, template or
export included), signed in as a board officer scoped to every province ("national") or to one
province ("province"). Each is warmed up, then timed N times with varied parameters: the time is
measured around the request in this process (server time, no network), and the SQL queries are
counted with CaptureQueriesContext. p50 and p95 are nearest-rank percentiles of the N timings.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from bench import dataset
from bench.common import SIZES, Size, setup_django

WARMUP = 3
_TREE_DAY = datetime.date(2018, 6, 1)
NOT_MEASURED_IMPORT = "chưa đo: chức năng nhập chưa có"


@dataclass
class Budget:
    p95_ms: float
    max_queries: int | None = None

    def text(self) -> str:
        limit = f"p95 ≤ {_ms(self.p95_ms)}"
        return limit + (f", ≤ {self.max_queries} truy vấn" if self.max_queries is not None else "")


@dataclass
class Result:
    operation: str
    data_size: str
    budget: Budget
    timings_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)  # queries plus BEGIN/COMMIT/SAVEPOINT
    note: str = ""

    @property
    def measured(self) -> bool:
        return bool(self.timings_ms)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def verdict(self) -> str:
        if not self.measured:
            return "—"
        slow = self.percentile(95) > self.budget.p95_ms
        chatty = self.budget.max_queries is not None and max(self.queries) > self.budget.max_queries
        return "FAIL" if slow or chatty else "PASS"

    def as_dict(self) -> dict:
        data = asdict(self)
        if self.measured:
            data.update(
                p50_ms=round(self.percentile(50), 1),
                p95_ms=round(self.percentile(95), 1),
                mean_ms=round(statistics.fmean(self.timings_ms), 1),
                verdict=self.verdict,
            )
        return data


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def _queries_text(queries: list[int]) -> str:
    if not queries:
        return "—"
    low, high = min(queries), max(queries)
    return str(low) if low == high else f"{low}–{high}"


# --- Requests ---


@dataclass
class Counted:
    queries: int  # SQL queries; transaction control (BEGIN, COMMIT, savepoints) is not a query
    statements: int  # everything sent, transaction control included
    sql_ms: float  # time inside the database calls, as Django measured it

    @classmethod
    def of(cls, captured: list[dict]) -> Counted:
        control = sum(
            1
            for q in captured
            if q["sql"].split(" ", 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK")
            or q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
        )
        return cls(len(captured) - control, len(captured), sum(float(q["time"]) * 1000 for q in captured))


class Bench:
    def __init__(self, size: Size, iterations: int, heavy_iterations: int, import_iterations: int, seed: int) -> None:
        from django.test import Client

        from accounts.models import User

        self.size = size
        self.iterations = iterations
        self.heavy_iterations = heavy_iterations
        self.import_iterations = import_iterations
        self.rng = random.Random(seed)
        self.clients = {}
        for name in dataset.BENCH_USERS:
            client = Client()
            client.force_login(User.objects.get(username=name))
            self.clients[name.removeprefix("bench_")] = client

    def request(self, who: str, url: str, params: dict) -> tuple[float, Counted, object]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.clients[who]
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, params)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url}?{params}: HTTP {response.status_code}")
        return elapsed, Counted.of(queries.captured_queries), response

    def measure(
        self,
        result: Result,
        who: str,
        url: str,
        params: Callable[[int], dict] | list[dict],
        *,
        iterations: int | None = None,
        check: Callable[[object], None] | None = None,
    ) -> Result:
        count = iterations or self.iterations
        if isinstance(params, list):  # WARMUP warm-up sets, then one per timed request
            listed = params
            params = lambda i: listed[WARMUP + i] if i >= 0 else listed[-1 - i]  # noqa: E731
        for i in range(WARMUP):
            self.request(who, url, params(-1 - i))
        for i in range(count):
            elapsed, counted, response = self.request(who, url, params(i))
            if check is not None:
                check(response)
            result.timings_ms.append(elapsed)
            result.sql_ms.append(counted.sql_ms)
            result.queries.append(counted.queries)
            result.statements.append(counted.statements)
        _print_progress(result)
        return result


def _print_progress(result: Result) -> None:
    sql = f", SQL p50 {_ms(statistics.median(result.sql_ms))}" if any(result.sql_ms) else ""
    transaction = f" (+{min(result.statements) - min(result.queries)} transaction)" if result.queries else ""
    print(
        f"  {result.operation}: p50 {_ms(result.percentile(50))}, p95 {_ms(result.percentile(95))}{sql}, "
        f"queries {_queries_text(result.queries)}{transaction} -> {result.verdict}",
        file=sys.stderr,
        flush=True,
    )


# --- The parameters: real ids from the dataset, varied per iteration ---


@dataclass
class Catalogue:
    legacy_provinces: list[int]  # valid on 2018-06-01: roots of the 2018 tree
    big_provinces: list[int]  # the legacy provinces with the most postings (deep pages exist)
    local_units: list[int]  # provinces inside the province user's scope
    congress_terms: list[int]
    plan_terms: list[int]
    directions: list[str]
    common_queries: list[str]
    rare_queries: list[str]
    export_params: dict
    export_rows: int
    postings: int
    cadres: int


def catalogue(bench_rng: random.Random) -> Catalogue:
    from django.db import connection

    from accounts.models import User
    from accounts.scopes import scope_paths
    from cadres.models import Cadre
    from units.models import Term, Unit

    legacy = list(
        Unit.objects.filter(kind="province", scheme__in=["legacy", "legacy+2025"])
        .order_by("id")
        .values_list("id", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.id, count(*) FROM postings_posting x JOIN units_unit u ON u.id = x.dest_unit_id
            JOIN units_unit p ON u.path LIKE p.path || '%%' AND p.parent_id IS NULL
            WHERE p.scheme IN ('legacy', 'legacy+2025') GROUP BY 1 ORDER BY 2 DESC LIMIT 10
            """
        )
        big = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT direction FROM postings_posting WHERE start_date < '2025-07-01' GROUP BY 1 ORDER BY count(*) DESC "
            "LIMIT 6"
        )
        directions = [row[0] for row in cursor.fetchall()]
        # Rare names: full names borne by one cadre only, typed without accents.
        cursor.execute(
            "SELECT min(search_key) FROM cadres_cadre GROUP BY full_name HAVING count(*) = 1 ORDER BY 1 LIMIT 2000"
        )
        rare = [row[0] for row in cursor.fetchall()]
    local_user = User.objects.get(username=dataset.BENCH_USERS[1])
    local_paths = scope_paths(local_user) or []
    local_units = list(Unit.objects.filter(path__in=local_paths).values_list("id", flat=True))
    terms = Term.objects.order_by("start")
    common = ["nguyen van", "tran thi", "le van", "pham thi", "hoang van", "nguyen thi", "vu duc", "dang van"]
    export_params, export_rows = _export_window()
    return Catalogue(
        legacy_provinces=legacy,
        big_provinces=big,
        local_units=local_units,
        congress_terms=[t.pk for t in terms if t.kind == "congress" and t.end.year > 2010],
        plan_terms=[t.pk for t in terms if t.kind == "plan"],
        directions=directions,
        common_queries=common,
        rare_queries=bench_rng.sample(rare, min(len(rare), 200)),
        export_params=export_params,
        export_rows=export_rows,
        postings=_count("postings_posting"),
        cadres=Cadre.objects.count(),
    )


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM " + table)
        return cursor.fetchone()[0]


def _export_window(target: int = 20_000) -> tuple[dict, int]:
    """A start-date window holding about `target` postings nationally (the list's start_from/start_to filters)."""
    from postings.models import Posting

    first = datetime.date(2016, 1, 1)
    low, high = 1, 3650
    best = None
    while low <= high:
        days = (low + high) // 2
        last = first + datetime.timedelta(days=days)
        count = Posting.objects.filter(start_date__gte=first, start_date__lte=last).count()
        best = (days, count)
        if abs(count - target) <= target * 0.02:
            break
        if count < target:
            low = days + 1
        else:
            high = days - 1
    days, count = best
    last = first + datetime.timedelta(days=days)
    return {"start_from": first.isoformat(), "start_to": last.isoformat(), "export": "xlsx"}, count


# --- The operations ---


def _matched(who: str, params: list[dict]) -> str:
    """How many postings each parameter set matches (exactly, outside the timing), as min–max (median)."""
    from django.http import QueryDict

    from accounts.models import User
    from postings.selectors import posting_list

    user = User.objects.get(username=f"bench_{who}")
    counts = []
    for p in params:
        query = QueryDict(mutable=True)
        query.update({k: v for k, v in p.items() if k not in ("page", "export")})
        counts.append(posting_list(user=user, params=query)[1].count())
    return f"khớp {min(counts):,}–{max(counts):,} (trung vị {int(statistics.median(counts)):,})"


def run_list(bench: Bench, cat: Catalogue) -> list[Result]:
    from django.urls import reverse

    from units.models import Term

    url = reverse("postings:list")
    rng = bench.rng
    budget = Budget(100, 8)
    pre_2025_terms = [t for t in cat.congress_terms + cat.plan_terms if Term.objects.get(pk=t).end.year <= 2025]
    total = f"{cat.postings:,} luân chuyển"

    def series(make) -> list[dict]:
        return [make() for _ in range(bench.iterations + WARMUP)]

    cases = [
        (
            "DS luân chuyển: tỉnh + hướng + nhiệm kỳ, trang 1",
            "national",
            lambda: {
                "unit": rng.choice(cat.legacy_provinces),
                "direction": rng.choice(cat.directions),
                "term": rng.choice(pre_2025_terms),
                "sort": "-start",
            },
        ),
        (
            "DS luân chuyển: như trên, người dùng phạm vi 1 tỉnh",
            "province",
            lambda: {
                "unit": rng.choice(cat.local_units),
                "direction": rng.choice(cat.directions),
                "term": rng.choice(pre_2025_terms),
                "sort": "-start",
            },
        ),
        (
            "DS luân chuyển: tỉnh + nhiệm kỳ, trang 200",
            "national",
            lambda: {"unit": rng.choice(cat.big_provinces), "term": rng.choice(cat.congress_terms[:3]), "page": "200"},
        ),
        (
            "DS luân chuyển: hướng + nhiệm kỳ cả nước, trang 200",
            "national",
            lambda: {"direction": rng.choice(cat.directions), "term": rng.choice(pre_2025_terms), "page": "200"},
        ),
        (
            "DS luân chuyển: một tỉnh mọi năm, trang 200",
            "national",
            lambda: {"unit": rng.choice(cat.big_provinces), "sort": "-start", "page": "200"},
        ),
    ]
    results = []
    for name, who, make in cases:
        params = series(make)
        result = Result(name, f"{total}; {_matched(who, params[WARMUP:])}", budget)
        results.append(bench.measure(result, who, url, params))
    return results


def run_search(bench: Bench, cat: Catalogue) -> list[Result]:
    from django.urls import reverse

    url = reverse("cadres:list")
    rng = bench.rng
    budget = Budget(50)
    cadres = f"{cat.cadres:,} cán bộ"
    return [
        bench.measure(
            Result("Tìm tên không dấu, tên phổ biến (“nguyen van”)", cadres, budget),
            "national",
            url,
            lambda i: {"q": rng.choice(cat.common_queries)},
        ),
        bench.measure(
            Result("Tìm tên không dấu, họ tên hiếm (đủ họ tên)", cadres, budget),
            "national",
            url,
            lambda i: {"q": rng.choice(cat.rare_queries)},
        ),
        bench.measure(
            Result("Tìm tên không dấu, phạm vi 1 tỉnh", cadres, budget),
            "province",
            url,
            lambda i: {"q": rng.choice(cat.common_queries + cat.rare_queries[:8])},
        ),
    ]


def run_tree(bench: Bench, cat: Catalogue) -> list[Result]:
    from django.urls import reverse

    from units.models import Unit

    url = reverse("units:tree")
    rng = bench.rng
    sizes = [
        Unit.objects.filter(path__startswith=Unit.objects.get(pk=p).path).valid_on(_TREE_DAY).count()
        for p in cat.legacy_provinces
    ]
    data = f"{len(cat.legacy_provinces)} tỉnh, {min(sizes)}–{max(sizes)} đơn vị/cây"
    return [
        bench.measure(
            Result("Cây đơn vị của một tỉnh ngày 1/6/2018", data, Budget(200)),
            "national",
            url,
            lambda i: {"root": rng.choice(cat.legacy_provinces), "on": _TREE_DAY.isoformat()},
        )
    ]


def run_export(bench: Bench, cat: Catalogue) -> list[Result]:
    from django.urls import reverse
    from openpyxl import load_workbook

    from postings.views import POSTING_COLUMNS

    url = reverse("postings:list")
    checked = []

    def check(response) -> None:
        if not checked:  # once: the file holds every row (plus the header)
            sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
            rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
            if rows != cat.export_rows:
                raise RuntimeError(f"export held {rows} rows, expected {cat.export_rows}")
            checked.append(rows)

    return [
        bench.measure(
            Result(
                "Xuất Excel 20.000 luân chuyển",
                f"{cat.export_rows:,} dòng × {len(POSTING_COLUMNS)} cột",
                Budget(10_000),
            ),
            "national",
            url,
            lambda i: cat.export_params,
            iterations=bench.heavy_iterations,
            check=check,
        )
    ]


def run_import(bench: Bench, cat: Catalogue) -> list[Result]:
    from bench import importing

    result = Result("Nhập 20.000 dòng cán bộ (xlsx)", f"{importing.ROWS:,} dòng", Budget(30_000))
    services, why = importing.find_service()
    if services is None:
        result.note = f"{NOT_MEASURED_IMPORT} ({why})"
        print(f"  {result.operation}: {result.note}", file=sys.stderr)
        return [result]
    try:
        importing.measure(bench, result, services, iterations=bench.import_iterations)
    finally:
        vacuum("after the rolled-back imports")
    _print_progress(result)
    return [result]


def run_statistics(bench: Bench, cat: Catalogue) -> list[Result]:
    from bench.figures import run_statistics as run  # it builds on this module's Result and Budget

    return run(bench, cat)


OPERATIONS: dict[str, Callable[[Bench, Catalogue], list[Result]]] = {
    "list": run_list,
    "search": run_search,
    "tree": run_tree,
    "export": run_export,
    "import": run_import,
    "statistics": run_statistics,
}


# --- Output ---


def table(results: list[Result]) -> str:
    headers = ["Thao tác", "Dữ liệu", "p50", "p95", "Truy vấn", "Ngân sách", "Kết quả"]
    rows = []
    for r in results:
        if r.measured:
            rows.append(
                [
                    r.operation,
                    r.data_size,
                    _ms(r.percentile(50)),
                    _ms(r.percentile(95)),
                    _queries_text(r.queries),
                    r.budget.text(),
                    r.verdict,
                ]
            )
        else:
            rows.append([r.operation, r.data_size, "—", "—", "—", r.budget.text(), r.note])
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    notes = [f"* {r.operation}: {r.note}" for r in results if r.measured and r.note]
    return "\n".join(lines + ([""] + notes if notes else []))


def vacuum(reason: str) -> None:
    """VACUUM ANALYZE the bench database: rolled-back imports leave dead rows, and dead entries in the
    trigram index's pending list slow every name search until a vacuum (docs/performance.md)."""
    from django.db import connection

    started = time.monotonic()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:  # VACUUM cannot run inside a transaction block
        cursor.execute("VACUUM (ANALYZE)")
    print(f"VACUUM ANALYZE ({reason}) in {time.monotonic() - started:.1f} s", file=sys.stderr)


PREWARMED = ("postings_posting", "cadres_cadre", "units_unit", "postings_decision")


def prewarm() -> None:
    """Load the main tables and their indexes into shared_buffers (pg_prewarm, when the server has it),
    as a server that has been answering requests would hold them: the timings are of a warm server,
    not of the first requests after a restart. Prints shared_buffers, which decides whether they fit."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except Exception as exc:  # noqa: BLE001 (a server without contrib: measure cold, and say so)
            print(f"pg_prewarm unavailable ({exc}); shared_buffers {buffers}", file=sys.stderr)
            return
        cursor.execute(
            "SELECT coalesce(sum(pg_prewarm(c.oid)), 0) FROM pg_class c WHERE c.relname = ANY(%s) "
            "OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s))",
            [list(PREWARMED), list(PREWARMED)],
        )
        pages = cursor.fetchone()[0]
    print(f"prewarmed {pages * 8 // 1024} MB into shared_buffers ({buffers})", file=sys.stderr)


def migrate_quietly() -> None:
    """Apply new migrations (the index migrations of the fixes) to the bench database."""
    from django.core.management import call_command

    started = time.monotonic()
    out = io.StringIO()
    call_command("migrate", verbosity=1, stdout=out)
    applied = [line.strip() for line in out.getvalue().splitlines() if line.strip().startswith("Applying")]
    if applied:
        print(f"migrations applied in {time.monotonic() - started:.1f} s: {'; '.join(applied)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--iterations", type=int, default=30, help="timed requests per operation (at least 30)")
    parser.add_argument("--heavy-iterations", type=int, default=None, help="for the export (default: --iterations)")
    parser.add_argument("--import-iterations", type=int, default=5, help="imports of 20,000 rows (about 1 min each)")
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate the dataset first")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(OPERATIONS)}")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--pg-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the benchmark's connections only (e.g. jit=off), to compare configurations",
    )
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    if args.pg_option:
        os.environ["PGOPTIONS"] = " ".join(f"-c {option}" for option in args.pg_option)

    marker = dataset.ensure(size, force=args.regenerate)
    setup_django(size)
    migrate_quietly()
    vacuum("before measuring")
    prewarm()
    print(
        f"dataset {size.database}: {marker['cadres']:,} cadres, {marker['postings']:,} postings, "
        f"{marker['decisions']:,} decisions, {marker['units']:,} units (generated in {marker['seconds']} s)",
        file=sys.stderr,
    )
    bench = Bench(size, args.iterations, args.heavy_iterations or args.iterations, args.import_iterations, args.seed)
    load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    cat = catalogue(bench.rng)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(OPERATIONS)
    results: list[Result] = []
    for name in chosen:
        print(f"{name}:", file=sys.stderr, flush=True)
        results.extend(OPERATIONS[name](bench, cat))
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    settings_text = f"; PostgreSQL: {', '.join(args.pg_option)}" if args.pg_option else ""
    print()
    print(
        f"Kích thước: {size.name} — {marker['cadres']:,} cán bộ, {marker['postings']:,} luân chuyển; "
        f"tải máy lúc bắt đầu {load_before}, lúc kết thúc {load}{settings_text}"
    )
    print(table(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "size": size.name,
                    "pg_options": args.pg_option,
                    "load_before": load_before,
                    "load_after": load,
                    "dataset": {k: str(v) for k, v in marker.items()},
                    "results": [r.as_dict() for r in results],
                },
                handle,
                ensure_ascii=False,
                indent=1,
            )
    return 1 if any(r.verdict == "FAIL" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
