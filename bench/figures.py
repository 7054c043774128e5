"""The speed budgets of issue 4 (statistics), measured by `python -m bench.run --only statistics`.

* A province's full recompute (every section of reports.statistics.engine.compute for one province and
  one plan period): p95 ≤ 2 s, over the largest provinces.
* The national recompute (unit = everything, every posting's dates): ≤ 60 s, and within 1.5× of the same
  aggregates as plain SQL: the statements the engine sent are replayed through a bare cursor in the same
  run, so the ratio is what the engine adds (ORM, Python, JSON) on top of the database's own work.
* The dashboard page, reading a stored run: p95 ≤ 100 ms with ≤ 6 queries.
"""

from __future__ import annotations

import sys
import time

from bench.run import Budget, Floor, Result, _print_progress


def _compute_timed(parameters: dict) -> tuple[float, list[str], dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.statistics.engine import compute

    connection.queries_log.clear()  # Django keeps 9,000 queries: a long compute must start with an empty log
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        results = compute(parameters)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, [q["sql"] for q in queries.captured_queries], results


def _replay_ms(statements: list[str]) -> float:
    """The same statements through a bare cursor: the database's share of a compute."""
    from django.db import connection

    queries = [sql for sql in statements if not sql.upper().startswith(CONTROL)]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(sql.replace("%", "%%"))
            if cursor.description is not None:
                cursor.fetchall()
    return (time.perf_counter() - started) * 1000


SQL_FLOOR = "SQL trần: cùng các câu lệnh qua cursor"
# Transaction control the engine sends around its snapshot: not part of the aggregates.
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET TRANSACTION")


def run_statistics(bench, cat) -> list[Result]:
    from django.db.models import Max, Min

    from postings.models import Posting
    from reports.models import StatisticsRun
    from reports.runs import compute_run_job, normalise, parameters_key
    from units.models import Term

    plan = Term.objects.filter(kind="plan", name="2016–2020").first() or Term.objects.filter(kind="plan").first()
    provinces = cat.big_provinces[:10]

    # 1. A province: every section, for the largest provinces in turn.
    province = Result(
        "Thống kê: tính lại toàn bộ một tỉnh (một giai đoạn)",
        f"{len(provinces)} tỉnh lớn nhất, giai đoạn {plan.name}",
        Budget(2000, source="issue 4"),
        floor=Floor(SQL_FLOOR),
    )
    for index in range(max(bench.iterations // 3, len(provinces))):
        parameters = normalise({"unit": provinces[index % len(provinces)], "term": plan.pk})
        elapsed, statements, _results = _compute_timed(parameters)
        province.floor.timings_ms.append(_replay_ms(statements))
        province.timings_ms.append(elapsed)
        province.queries.append(len(statements))
        province.statements.append(len(statements))
    _print_progress(province)

    # 2. The whole registry, every posting's dates, against a replay of its own SQL.
    bounds = Posting.objects.aggregate(first=Min("start_date"), last=Max("start_date"))
    national_parameters = normalise({"unit": None, "start": bounds["first"], "end": bounds["last"]})
    national = Result(
        "Thống kê: tính lại toàn quốc (mọi lượt, mọi năm)",
        f"{cat.postings:,} luân chuyển",
        Budget(60_000, max_ratio=1.5, source="issue 4"),
        floor=Floor(SQL_FLOOR),
    )
    ratios = []
    for _ in range(bench.national_iterations):
        elapsed, statements, _results = _compute_timed(national_parameters)
        replay = _replay_ms(statements)
        national.floor.timings_ms.append(replay)
        national.timings_ms.append(elapsed)
        national.queries.append(len(statements))
        national.statements.append(len(statements))
        ratios.append(elapsed / replay)
        print(
            f"    national: {elapsed:.0f} ms, SQL replayed {replay:.0f} ms, ratio {elapsed / replay:.2f}",
            file=sys.stderr,
        )
    worst = max(ratios)
    national.note = f"tỷ lệ từng lần so với chính các câu SQL chạy trần: tối đa {worst:.2f}×".replace(".", ",")
    _print_progress(national)

    # 3. The dashboard reads a stored run: compute one per province once (as the nightly job does).
    for unit in provinces:
        parameters = normalise({"unit": unit, "term": plan.pk})
        key = parameters_key(parameters)
        if not StatisticsRun.objects.done().filter(parameters_key=key).exists():
            run = StatisticsRun.objects.create(parameters=parameters, parameters_key=key, unit_id=unit)
            compute_run_job(run_id=run.pk)
    rng = bench.rng
    dashboard = bench.measure(
        Result(
            "Trang thống kê (đọc kết quả đã lưu)",
            f"{len(provinces)} tỉnh, giai đoạn {plan.name}",
            Budget(100, 6, source="issue 4"),
        ),
        "national",
        "/statistics/",
        lambda i: {"unit": rng.choice(provinces), "term": plan.pk},
        check=lambda response: _has_figures(response),
    )
    return [province, national, dashboard]


def _has_figures(response) -> None:
    if "lượt cán bộ luân chuyển" not in response.content.decode():
        raise RuntimeError("the dashboard showed no stored figures")
