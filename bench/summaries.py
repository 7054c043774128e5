"""The speed of the leaders' summary (issue 5 item 4): ≤ 15 s and ≤ 400 MB peak memory in the worker.

    python -m bench.summaries [--skip-big] [--json FILE]

Two cases, each measured in a fresh child process (its peak RSS is `resource.getrusage`'s ru_maxrss,
so nothing of the parent or of an earlier case counts):

* `demo` — the demo province (Lạng Sơn, 2016–2020, 132 rotations): its own database
  (rr_bench_summaries, created, migrated and loaded with `load_demo` on first use); the whole job,
  `reports.summaries.build_summary_job`, from no stored statistics (it computes them first), as the
  worker runs it; then again with the statistics stored (the render alone);
* `big` — the generated "small" benchmark registry (5,000 cadres, 50,000 postings; bench/dataset.py),
  copied from rr_bench_small into rr_bench_summaries_big (`CREATE DATABASE … TEMPLATE`, then migrated;
  the shared benchmark database itself is never written to): the statistics computed by the engine,
  then the summary's HTML and `render_pdf`, nothing stored.

`make bench` (bench.run) measures the whole generated registry's summary, each time in a child process:
`run_summary` (child `dataset:<database>`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from bench.common import SERVER_URL, ensure_database

DEMO_DATABASE = "rr_bench_summaries"
BIG_DATABASE = "rr_bench_summaries_big"  # a copy of rr_bench_small (TEMPLATE), migrated: see main()
BUDGET_S = 15.0
BUDGET_MB = 400.0


def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # No queue: loading the demo would schedule recomputes (they fail fast and quietly against a closed port).
    os.environ["CELERY_BROKER_URL"] = os.environ["CELERY_RESULT_BACKEND"] = "redis://127.0.0.1:1/0"
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare_big() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BIG_DATABASE]).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{BIG_DATABASE}" TEMPLATE "rr_bench_small"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        check=True,
        env=dict(os.environ, DATABASE_URL=f"{SERVER_URL}/{BIG_DATABASE}", DJANGO_SETTINGS_MODULE="bench.settings"),
    )


def prepare_demo() -> None:
    _django(ensure_database(DEMO_DATABASE))
    from django.core.management import call_command

    from units.models import Unit

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        started = time.monotonic()
        call_command("load_demo", verbosity=0)
        print(f"demo loaded in {time.monotonic() - started:.1f} s", file=sys.stderr)


def _demo_parameters() -> dict:
    from reports.runs import normalise
    from units.models import Term, TermKind, Unit

    province = Unit.objects.get(parent__isnull=True)
    term = Term.objects.get(kind=TermKind.PLAN, name="2016–2020")
    return normalise({"unit": province.pk, "term": term.pk})


def child_demo(stored: bool) -> dict:
    """The whole job, as the worker runs it (from no statistics, or with them stored)."""
    _django(f"{SERVER_URL}/{DEMO_DATABASE}")
    from accounts.models import User
    from reports.models import StatisticsRun, SummaryDocument
    from reports.summaries import build_summary_job

    parameters = _demo_parameters()
    if not stored:
        StatisticsRun.objects.filter(parameters=parameters).delete()
    SummaryDocument.objects.filter(parameters=parameters).delete()
    user = User.objects.get(username="demo_leader")
    doc = SummaryDocument.objects.create(
        parameters=parameters, parameters_key="bench", unit_id=parameters["unit"], requested_by=user
    )
    before = _peak_mb()
    started = time.perf_counter()
    doc = build_summary_job(doc.pk)
    seconds = time.perf_counter() - started
    assert doc.status == "done", doc.error
    size = doc.file.size
    doc.file.delete(save=False)
    doc.delete()
    return {"seconds": seconds, "pages": doc.pages, "bytes": size, "peak_mb": _peak_mb(), "peak_before_mb": before}


def _build_summary(parameters: dict):
    """Statistics, HTML and PDF as the worker builds them (nothing stored):
    (results, html, pdf, seconds of statistics, seconds in all)."""
    from reports.statistics.engine import compute
    from reports.summaries import summary_html
    from rotation_registry.common.pdf import render_pdf

    started = time.perf_counter()
    results = compute(parameters)
    computed = time.perf_counter() - started
    html = summary_html(results)
    pdf = render_pdf(html, time_limit=None)
    return results, html, pdf, computed, time.perf_counter() - started


def child_big(wide: bool = False) -> dict:
    """The statistics and the summary of the generated registry's province, nothing stored.

    `wide`: the whole registry from 2010 to 2025 (every cadre on rotation at the end listed, up to
    reports.summaries.MAX_CADRES_LISTED): the largest summary the job is asked for.
    """
    _django(f"{SERVER_URL}/{BIG_DATABASE}")
    from postings.models import Posting
    from reports.runs import normalise
    from reports.summaries import pdf_page_count
    from units.models import Term, TermKind, Unit

    province = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    # The plan period with the most rotations.
    terms = list(Term.objects.filter(kind=TermKind.PLAN))
    counts = {t.pk: Posting.objects.filter(start_date__range=(t.start, t.end)).count() for t in terms}
    term = max(terms, key=lambda t: counts[t.pk])
    parameters = normalise({"unit": province.pk, "term": term.pk})
    if wide:
        parameters = normalise({"unit": None, "start": "2010-01-01", "end": "2025-12-31"})
    before = _peak_mb()
    results, _html, pdf, computed, seconds = _build_summary(parameters)
    return {
        "term": "2010–2025, whole registry" if wide else term.name,
        "rotations": results["total"]["value"],
        "statistics_seconds": computed,
        "render_seconds": seconds - computed,
        "seconds": seconds,
        "pages": pdf_page_count(pdf),
        "bytes": len(pdf),
        "peak_mb": _peak_mb(),
        "peak_before_mb": before,
    }


def child_dataset(database: str) -> dict:
    """The largest summary of a generated dataset (the whole registry 2010–2025, bench.run): statistics, HTML
    and PDF as the worker builds them (nothing stored), then the same HTML through bare WeasyPrint (the floor;
    after the peak memory is read, so the floor's memory does not count)."""
    _django(f"{SERVER_URL}/{database}")
    import weasyprint

    from bench.documents import bare_html
    from reports.runs import normalise
    from reports.summaries import pdf_page_count

    parameters = normalise({"unit": None, "start": "2010-01-01", "end": "2025-12-31"})
    before = _peak_mb()
    results, html, pdf, computed, seconds = _build_summary(parameters)
    peak = _peak_mb()
    bare_started = time.perf_counter()
    weasyprint.HTML(string=bare_html(html)).write_pdf()
    bare = time.perf_counter() - bare_started
    return {
        "rotations": results["total"]["value"],
        "statistics_seconds": computed,
        "render_seconds": seconds - computed,
        "seconds": seconds,
        "bare_seconds": bare,
        "pages": pdf_page_count(pdf),
        "bytes": len(pdf),
        "peak_mb": peak,
        "peak_before_mb": before,
    }


def run_summary(bench, cat) -> list:
    """`make bench`'s summary row: each iteration a fresh child process (its own peak memory, as a worker)."""
    from bench.run import Budget, Floor, Result, _print_progress
    from reports.summaries import MAX_CADRES_LISTED as MAX_LISTED

    result = Result(
        "Báo cáo tóm tắt PDF (toàn bộ sổ 2010–2025)",
        f"{cat.postings:,} luân chuyển",
        Budget(BUDGET_S * 1000, max_peak_mb=BUDGET_MB, source="issue 5"),
        floor=Floor("WeasyPrint trần: cùng HTML"),
    )
    figures = []
    for _ in range(bench.summary_iterations):
        figures.append(_in_child(f"dataset:{bench.size.database}"))
        result.timings_ms.append(figures[-1]["seconds"] * 1000)
        result.floor.timings_ms.append(figures[-1]["bare_seconds"] * 1000)
    last = figures[-1]
    result.peak_mb = max(f["peak_mb"] for f in figures)
    result.data_size += (
        f"; {last['pages']} trang (tối đa {MAX_LISTED} cán bộ liệt kê), {last['rotations']:,} lượt trong kỳ"
    )
    render = [f["render_seconds"] / f["bare_seconds"] for f in figures]
    result.note = (
        f"đỉnh bộ nhớ {result.peak_mb:.0f} MB; thống kê {last['statistics_seconds']:.1f} s + dựng PDF "
        f"{last['render_seconds']:.1f} s; riêng phần dựng PDF so với WeasyPrint trần: {max(render):.2f}×"
    ).replace(".", ",")
    _print_progress(result)
    return [result]


def _in_child(case: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.summaries", "--child", case], check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help="demo-cold, demo-stored, big, big-wide or dataset:<database>")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if args.child and args.child.startswith("dataset:"):
        print(json.dumps(child_dataset(args.child.removeprefix("dataset:"))))
        return 0
    if args.child:
        result = {
            "demo-cold": lambda: child_demo(False),
            "demo-stored": lambda: child_demo(True),
            "big": child_big,
            "big-wide": lambda: child_big(True),
        }[args.child]()
        print(json.dumps(result))
        return 0
    prepare_demo()
    figures = {"demo (job, statistics computed first)": _in_child("demo-cold")}
    figures["demo (job, statistics stored)"] = _in_child("demo-stored")
    if not args.skip_big:
        prepare_big()
        figures["big (5,000 cadres / 50,000 postings: a province, 2016–2020)"] = _in_child("big")
        figures["big (the whole registry, 2010–2025)"] = _in_child("big-wide")
    ok = True
    for name, result in figures.items():
        within = result["seconds"] <= BUDGET_S and result["peak_mb"] <= BUDGET_MB
        ok &= within
        print(
            f"{name}: {result['seconds']:.2f} s, {result['pages']} pages, {result['bytes'] / 1024:.0f} KiB, "
            f"peak RSS {result['peak_mb']:.0f} MB (before: {result['peak_before_mb']:.0f} MB) "
            f"{'OK' if within else 'OVER BUDGET'}"
        )
        extra = {k: v for k, v in result.items() if k in ("term", "rotations", "statistics_seconds", "render_seconds")}
        if extra:
            print(f"    {extra}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2, ensure_ascii=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
