"""The speed budgets of issues 3–6, measured on the generated dataset: ONE table, one row per operation.

    python -m bench.run --size full|small [--only list,search,cadre,tree,statistics,plan,summary,import,export,
                        quarterly,audit] [--iterations N] [--heavy-iterations N] [--import-iterations N]
                        [--summary-iterations N] [--regenerate] [--database NAME] [--pg-option jit=off] [--json FILE]

Each page is a real request through Django's test Client (middleware, view, template or export included),
signed in as a board officer scoped to every province ("national"), to one province ("province"), or as the
office of one commune committee ("office"). Each is warmed up, then timed N times with varied parameters: the
time is measured around the request in this process (server time, no network), and the SQL queries are counted
with CaptureQueriesContext. p50 and p95 are nearest-rank percentiles of the N timings.

Every row carries a floor measured in the same run, and the ratio of its p50 to the floor's: the trivial page
of bench/urls.py for pages (same user, same client), the engine's own SQL replayed through a bare cursor for
the statistics, bare WeasyPrint on the same HTML for PDFs, bare calamine for the import, bare XlsxWriter for the export.
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
from bench.common import SIZES, Size, setup_django, size_named

WARMUP = 3
_TREE_DAY = datetime.date(2018, 6, 1)
NOT_MEASURED_IMPORT = "chưa đo: chức năng nhập chưa có"


@dataclass
class Budget:
    """An issue's budget for one operation: p95 time, and where the issue sets them, queries, the ratio to the
    floor and the peak memory. `source` names the issue."""

    p95_ms: float
    max_queries: int | None = None
    max_ratio: float | None = None
    max_peak_mb: float | None = None
    source: str = ""

    def text(self) -> str:
        parts = [f"p95 ≤ {_ms(self.p95_ms)}"]
        if self.max_queries is not None:
            parts.append(f"≤ {self.max_queries} truy vấn")
        if self.max_ratio is not None:
            parts.append(f"≤ {self.max_ratio:g}× sàn".replace(".", ","))
        if self.max_peak_mb is not None:
            parts.append(f"≤ {self.max_peak_mb:g} MB")
        return ", ".join(parts) + (f" ({self.source})" if self.source else "")


def _nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Floor:
    """The least the same kind of work costs, measured in the same run: a trivial page through the same
    middleware and client, the same SQL through a bare cursor, bare WeasyPrint, bare calamine or XlsxWriter."""

    name: str
    timings_ms: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        return _nearest_rank(self.timings_ms, p)


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
    floor: Floor | None = None
    peak_mb: float | None = None  # the worker's peak memory, where the budget has one

    @property
    def measured(self) -> bool:
        return bool(self.timings_ms)

    def percentile(self, p: float) -> float:
        return _nearest_rank(self.timings_ms, p)

    @property
    def ratio(self) -> float | None:
        """p50 over the floor's p50: what the operation costs beyond the least its kind of work costs."""
        if not self.measured or self.floor is None or not self.floor.timings_ms:
            return None
        return self.percentile(50) / max(self.floor.percentile(50), 1e-6)

    @property
    def failures(self) -> list[str]:
        budget, failed = self.budget, []
        if self.percentile(95) > budget.p95_ms:
            failed.append("p95")
        if budget.max_queries is not None and self.queries and max(self.queries) > budget.max_queries:
            failed.append("truy vấn")
        if budget.max_ratio is not None and (self.ratio is None or self.ratio > budget.max_ratio):
            failed.append("tỷ lệ")
        if budget.max_peak_mb is not None and (self.peak_mb is None or self.peak_mb > budget.max_peak_mb):
            failed.append("bộ nhớ")
        return failed

    @property
    def verdict(self) -> str:
        if not self.measured:
            return "—"
        return "FAIL (" + ", ".join(self.failures) + ")" if self.failures else "PASS"

    def as_dict(self) -> dict:
        data = asdict(self)
        if self.measured:
            data.update(
                p50_ms=round(self.percentile(50), 1),
                p95_ms=round(self.percentile(95), 1),
                mean_ms=round(statistics.fmean(self.timings_ms), 1),
                verdict=self.verdict,
            )
        if self.floor is not None and self.floor.timings_ms:
            data.update(
                floor_p50_ms=round(self.floor.percentile(50), 2),
                floor_p95_ms=round(self.floor.percentile(95), 2),
                ratio_p50=round(self.ratio, 3),
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
        self.summary_iterations = 1
        self.national_iterations = 3  # national statistics recomputes
        self.clients = {}
        for name in (*dataset.BENCH_USERS, dataset.BENCH_OFFICE):
            client = Client()
            client.force_login(User.objects.get(username=name))
            self.clients[name.removeprefix("bench_")] = client
        self.floors: dict[str, Floor] = {}

    def page_floor(self, who: str) -> Floor:
        """The trivial page (bench/urls.py) through the same client, timed like the pages (once per user and run)."""
        if who not in self.floors:
            floor = Floor("trang tối thiểu")
            for i in range(WARMUP + self.iterations):
                elapsed, _counted, _response = self.request(who, "/bench/floor/", {})
                if i >= WARMUP:
                    floor.timings_ms.append(elapsed)
            self.floors[who] = floor
            print(
                f"  floor for {who}: trivial page p50 {_ms(floor.percentile(50))}, p95 {_ms(floor.percentile(95))}",
                file=sys.stderr,
            )
        return self.floors[who]

    def request(self, who: str, url: str, params: dict) -> tuple[float, Counted, object]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.clients[who]
        # Django keeps the last 9,000 queries only; past that CaptureQueriesContext counts nothing: start empty.
        connection.queries_log.clear()
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
        url: str | Callable[[int], str],
        params: Callable[[int], dict] | list[dict],
        *,
        iterations: int | None = None,
        check: Callable[[object], None] | None = None,
        report: bool = True,
    ) -> Result:
        count = iterations or self.iterations
        if result.floor is None:  # every page is compared with the trivial page of the same user
            result.floor = self.page_floor(who)
        if isinstance(params, list):  # WARMUP warm-up sets, then one per timed request
            listed = params
            params = lambda i: listed[WARMUP + i] if i >= 0 else listed[-1 - i]  # noqa: E731
        address = url if callable(url) else lambda i: url
        for i in range(WARMUP):
            self.request(who, address(-1 - i), params(-1 - i))
        for i in range(count):
            elapsed, counted, response = self.request(who, address(i), params(i))
            if check is not None:
                check(response)
            result.timings_ms.append(elapsed)
            result.sql_ms.append(counted.sql_ms)
            result.queries.append(counted.queries)
            result.statements.append(counted.statements)
        if report:  # else the caller prints it once its floor is measured too
            _print_progress(result)
        return result


def _print_progress(result: Result) -> None:
    sql = f", SQL p50 {_ms(statistics.median(result.sql_ms))}" if any(result.sql_ms) else ""
    transaction = f" (+{min(result.statements) - min(result.queries)} transaction)" if result.statements else ""
    ratio = f", {result.ratio:.2f}× floor" if result.ratio is not None else ""
    print(
        f"  {result.operation}: p50 {_ms(result.percentile(50))}, p95 {_ms(result.percentile(95))}{sql}{ratio}, "
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
        query.update({k: v for k, v in p.items() if k not in ("page", "export", "after")})
        counts.append(posting_list(user=user, params=query)[1].count())
    return f"khớp {min(counts):,}–{max(counts):,} (trung vị {int(statistics.median(counts)):,})"


def _reached_by_next(who: str, params: dict, page: int) -> dict:
    """The query string of page `page` (or the list's last full page) as the "Trang sau" link of the page
    before carries it (set-up, not timed)."""
    from django.contrib.auth import get_user_model
    from django.http import QueryDict

    from postings.selectors import posting_list
    from rotation_registry.common import keyset
    from rotation_registry.common.lists import DEFAULT_PAGE_SIZE

    query = QueryDict(mutable=True)
    query.update(params)
    queryset = posting_list(user=get_user_model().objects.get(username=f"bench_{who}"), params=query)[1]
    page = max(2, min(page, queryset.count() // DEFAULT_PAGE_SIZE))  # a shorter list: its last full page
    last_shown = queryset[(page - 1) * DEFAULT_PAGE_SIZE - 1]
    return {**params, "page": str(page), keyset.AFTER: keyset.encode(keyset.sort_keys(queryset), last_shown)}


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
        # Deep pages as a user reaches them: by "Trang sau", whose link carries the key of the last row shown
        # (keyset pagination, common/keyset.py). A page asked for by number alone is read by OFFSET.
        (
            "DS luân chuyển: tỉnh + nhiệm kỳ, trang 200",
            "national",
            lambda: _reached_by_next(
                "national", {"unit": rng.choice(cat.big_provinces), "term": rng.choice(cat.congress_terms[:3])}, 200
            ),
        ),
        (
            "DS luân chuyển: hướng + nhiệm kỳ cả nước, trang 200",
            "national",
            lambda: _reached_by_next(
                "national", {"direction": rng.choice(cat.directions), "term": rng.choice(pre_2025_terms)}, 200
            ),
        ),
        (
            "DS luân chuyển: một tỉnh mọi năm, trang 200",
            "national",
            lambda: _reached_by_next("national", {"unit": rng.choice(cat.big_provinces), "sort": "-start"}, 200),
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
    budget = Budget(50, source="issue 3")
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


def _long_careers(user, count: int = 40) -> list[tuple[int, int, int]]:
    """(cadre id, postings, evaluations) of the cadres with the longest careers the user may see."""
    from django.db.models import Count

    from cadres.models import Cadre

    return list(
        Cadre.objects.visible_to(user)
        .annotate(n=Count("postings", distinct=True), e=Count("evaluations", distinct=True))
        .order_by("-n", "pk")
        .values_list("pk", "n", "e")[:count]
    )


def run_cadre(bench: Bench, cat: Catalogue) -> list[Result]:
    """The cadre page (profile, career timeline with decisions, planning, evaluations) of long careers."""
    from django.urls import reverse

    from accounts.models import User

    results = []
    budget = Budget(100, source="trang: như danh sách, issue 3")
    for who, label in (("national", "người dùng toàn quốc"), ("province", "người dùng phạm vi 1 tỉnh")):
        cadres = _long_careers(User.objects.get(username=f"bench_{who}"))
        postings = [n for _pk, n, _e in cadres]
        evaluations = [e for _pk, _n, e in cadres]
        data = (
            f"{cat.cadres:,} cán bộ; {len(cadres)} quá trình dài nhất: {min(postings)}–{max(postings)} lượt, "
            f"{min(evaluations)}–{max(evaluations)} đánh giá"
        )
        result = Result(f"Trang cán bộ (quá trình dài), {label}", data, budget)
        bench.measure(
            result,
            who,
            lambda i, cadres=cadres: reverse("cadres:detail", args=[cadres[i % len(cadres)][0]]),
            lambda i: {},
        )
        result.note = (
            "số truy vấn như nhau với mọi độ dài quá trình (không N+1)"
            if min(result.queries) == max(result.queries)
            else f"số truy vấn đổi theo cán bộ: {_queries_text(result.queries)}"
        )
        results.append(result)
    return results


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
            Result("Cây đơn vị của một tỉnh ngày 1/6/2018", data, Budget(200, source="issue 3")),
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
    rows: list[tuple] = []

    def check(response) -> None:
        if not rows:  # once: the file holds every row (plus the header); its rows are the floor's
            sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
            rows.extend(sheet.iter_rows(values_only=True))
            if len(rows) - 1 != cat.export_rows:
                raise RuntimeError(f"export held {len(rows) - 1} rows, expected {cat.export_rows}")

    result = Result(
        "Xuất Excel 20.000 luân chuyển",
        f"{cat.export_rows:,} dòng × {len(POSTING_COLUMNS)} cột",
        Budget(10_000, source="issue 3"),
        floor=Floor("XlsxWriter trần: ghi cùng các dòng"),
    )
    bench.measure(
        result,
        "national",
        url,
        lambda i: cat.export_params,
        iterations=bench.heavy_iterations,
        check=check,
        report=False,
    )
    for _ in range(bench.heavy_iterations):
        result.floor.timings_ms.append(xlsxwriter_write_ms(rows))
    _print_progress(result)
    return [result]


def xlsxwriter_write_ms(rows: list[tuple]) -> float:
    """The floor of an export: the same cells written by XlsxWriter alone, with the export's options, in memory."""
    from xlsxwriter import Workbook

    from rotation_registry.common.export import _WORKBOOK_OPTIONS

    started = time.perf_counter()
    book = Workbook(io.BytesIO(), _WORKBOOK_OPTIONS)
    sheet = book.add_worksheet("Luân chuyển")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return (time.perf_counter() - started) * 1000


def run_import(bench: Bench, cat: Catalogue) -> list[Result]:
    from bench import importing

    result = Result(
        "Nhập 20.000 dòng cán bộ (xlsx)",
        f"{importing.ROWS:,} dòng",
        Budget(30_000, source="issue 3"),
        floor=Floor("calamine trần: đọc cùng tệp"),
    )
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


def run_plan_pdf(bench: Bench, cat: Catalogue) -> list[Result]:
    from bench.documents import run_plan_pdf as run

    return run(bench, cat)


def run_summary(bench: Bench, cat: Catalogue) -> list[Result]:
    from bench.summaries import run_summary as run

    return run(bench, cat)


def run_audit(bench: Bench, cat: Catalogue) -> list[Result]:
    from bench.auditlog import run_audit as run

    return run(bench, cat)


def run_quarterly(bench: Bench, cat: Catalogue) -> list[Result]:
    from bench.quarterly import run_quarterly as run

    return run(bench, cat)


# In the order of the table (issue 7): pages first, then the heavy work.
OPERATIONS: dict[str, Callable[[Bench, Catalogue], list[Result]]] = {
    "list": run_list,
    "search": run_search,
    "cadre": run_cadre,
    "tree": run_tree,
    "statistics": run_statistics,
    "plan": run_plan_pdf,
    "summary": run_summary,
    "import": run_import,
    "export": run_export,
    "quarterly": run_quarterly,
    "audit": run_audit,
}
# Requests per operation by size: the full run is the measurement, the small one checks the harness in CI.
ITERATIONS = {
    "full": {"iterations": 30, "heavy": 30, "import": 5, "summary": 3, "national": 3},
    "small": {"iterations": 10, "heavy": 1, "import": 1, "summary": 1, "national": 1},
}


# --- Output ---


def _ratio_text(result: Result) -> str:
    return "—" if result.ratio is None else f"{result.ratio:.2f}×".replace(".", ",")


def _floor_text(result: Result) -> str:
    if result.floor is None or not result.floor.timings_ms:
        return "—"
    return f"{_ms(result.floor.percentile(50))} ({result.floor.name})"


def table(results: list[Result]) -> str:
    headers = ["Thao tác", "Dữ liệu", "p50", "p95", "Truy vấn", "Sàn (p50)", "Tỷ lệ", "Ngân sách", "Kết quả"]
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
                    _floor_text(r),
                    _ratio_text(r),
                    r.budget.text(),
                    r.verdict,
                ]
            )
        else:
            rows.append([r.operation, r.data_size, "—", "—", "—", "—", "—", r.budget.text(), r.note])
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    notes = [f"* {r.operation}: {r.note}" for r in results if r.measured and r.note]
    legend = [
        "Tỷ lệ = p50 của thao tác / p50 của sàn đo trong cùng lần chạy. Sàn: trang tối thiểu = một trang Django "
        "qua cùng middleware và cùng client (bench/urls.py); SQL trần = chính các câu lệnh của phép tính chạy "
        "qua cursor; WeasyPrint trần = cùng HTML; calamine trần = cùng tệp đọc bằng calamine; "
        "XlsxWriter trần = cùng các dòng ghi bằng XlsxWriter."
    ]
    return "\n".join(lines + [""] + notes + legend)


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
    parser.add_argument("--iterations", type=int, help="timed requests per page (default: 30 full, 10 small)")
    parser.add_argument("--heavy-iterations", type=int, help="exports and plan PDFs (default: 30 full, 1 small)")
    parser.add_argument("--import-iterations", type=int, help="imports of 20,000 rows (20 s each; 5 full, 1 small)")
    parser.add_argument("--summary-iterations", type=int, help="summaries, each in a new process (3 full, 1 small)")
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate the dataset first")
    parser.add_argument(
        "--database", help="the dataset's database (default: rr_bench / rr_bench_small, or BENCH_DATABASE)"
    )
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(OPERATIONS)}")
    parser.add_argument("--json", help="where to write the results (default: bench/results/latest-<size>.json)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--harness-only",
        action="store_true",
        help="exit 1 only when a row could not be measured, not when a budget is missed (CI, on a shared machine)",
    )
    parser.add_argument(
        "--pg-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the benchmark's connections only (e.g. jit=off), to compare configurations",
    )
    args = parser.parse_args(argv)
    size = size_named(args.size, args.database)
    counts = ITERATIONS[args.size]
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(OPERATIONS)
    unknown = [name for name in chosen if name not in OPERATIONS]
    if unknown:
        parser.error(f"unknown operation(s) {', '.join(unknown)}; choose from {','.join(OPERATIONS)}")
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
    bench = Bench(
        size,
        args.iterations or counts["iterations"],
        args.heavy_iterations or counts["heavy"],
        args.import_iterations or counts["import"],
        args.seed,
    )
    bench.summary_iterations = args.summary_iterations or counts["summary"]
    bench.national_iterations = counts["national"]
    load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    cat = catalogue(bench.rng)
    started = time.monotonic()
    results: list[Result] = []
    for name in chosen:
        print(f"{name}:", file=sys.stderr, flush=True)
        results.extend(OPERATIONS[name](bench, cat))
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    settings_text = f"; PostgreSQL: {', '.join(args.pg_option)}" if args.pg_option else ""
    print()
    print(
        f"Kích thước: {size.name} — {marker['cadres']:,} cán bộ, {marker['postings']:,} luân chuyển "
        f"(cơ sở dữ liệu {size.database}); đo trong {time.monotonic() - started:.0f} s; "
        f"tải máy lúc bắt đầu {load_before}, lúc kết thúc {load}{settings_text}"
    )
    print(table(results))
    path = args.json or os.path.join(os.path.dirname(__file__), "results", f"latest-{size.name}.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "size": size.name,
                "database": size.database,
                "iterations": {
                    "pages": bench.iterations,
                    "heavy": bench.heavy_iterations,
                    "import": bench.import_iterations,
                    "summary": bench.summary_iterations,
                },
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
    print(f"\nKết quả ghi vào {os.path.relpath(path)}", file=sys.stderr)
    missing = [r.operation for r in results if not r.measured]
    if missing:
        print(f"NOT MEASURED: {'; '.join(missing)}", file=sys.stderr)
    failed = [r.operation for r in results if r.verdict.startswith("FAIL")]
    if failed and args.harness_only:
        print(f"--harness-only: {len(failed)} budget(s) missed, reported above, not failing the run", file=sys.stderr)
        failed = []
    return 1 if missing or failed else 0


if __name__ == "__main__":
    sys.exit(main())
