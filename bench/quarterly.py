"""The speed of the quarterly reports (issue 6): the completeness board of 100 reporting units (p95 ≤ 100 ms)
and the pre-filled report of a unit for a quarter (≤ 300 ms).

    python -m bench.quarterly [--iterations 50] [--database rr_bench_quarterly] [--json FILE]

Its own generated dataset, in its own database (created, migrated and filled on first use, then kept):
a province with 100 districts, each with its Huyện ủy, three departments and five communes (each with
its Đảng ủy); 20,000 cadres and 20,000 rotations (200 per district, 2020–2026, department → commune
and province → district, about a third of them ended); the 100 Huyện ủy report for the eight quarters
of 2024–2025, and the reports of the first seven quarters are on file in every state (accepted,
submitted, returned, late, never filed). The rows are written in bulk (this is a benchmark's data,
not a demo: the services' rules are not what is measured).

Measured, after WARMUP untimed rounds, alternating within each iteration:

* `board page` — GET quarterly:index?year=2025&quarter=3 as board staff through Django's test Client
  (session, scope, the selector's queries, the template): 100 rows with their state and on-time record;
* `board selector` — reports.quarterly.selectors.completeness alone;
* `report page` — GET quarterly:edit of Huyện ủy Đo 0 for the fourth quarter of 2025 (not filed), as its office:
  the figures computed from the registry (statistics engine + movements + name list) and the form;
* `prefill` — reports.quarterly.prefill.prefill alone for the same unit and quarter.

`make bench` (bench.run) measures the board and the pre-filled report on the generated national dataset
(bench.records' periods and reports): `run_quarterly`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time

from bench.common import Timing, setup_database

WARMUP = 5
BOARD_BUDGET_P95_MS = 100.0
PREFILL_BUDGET_MS = 300.0
UNITS = 100
ROTATIONS_PER_UNIT = 200
D = datetime.date
MARKER = "Tỉnh Đo Quý"


# --- The generated dataset ---


def _moment(day: D, hour: int = 9):
    from django.utils import timezone

    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def build_dataset() -> None:
    """The province, its 100 reporting units, 20,000 rotations, the periods and the reports (once)."""
    from django.db import transaction

    from accounts.models import Role, ScopeAssignment, User
    from cadres.models import Cadre, Sex
    from postings.models import Decision, Posting, PostingKind, PostingStatus
    from reports.models import QuarterlyReport, ReportingPeriod
    from reports.quarterly.services import default_deadline
    from units.models import Term, TermKind, Unit, UnitKind

    rng = random.Random(6)
    started = time.monotonic()
    with transaction.atomic():
        for name, start, end in (
            ("2015–2020 (đo)", D(2015, 10, 1), D(2020, 9, 30)),
            ("2020–2025 (đo)", D(2020, 10, 1), D(2025, 9, 30)),
            ("2025–2030 (đo)", D(2025, 10, 1), D(2030, 9, 30)),
        ):
            if not Term.objects.filter(kind=TermKind.CONGRESS, start__lte=end, end__gte=start).exists():
                Term.objects.create(kind=TermKind.CONGRESS, name=name, start=start, end=end)
        province = Unit.objects.create(kind=UnitKind.PROVINCE, name=MARKER)
        tinh_uy = Unit.objects.create(
            kind=UnitKind.PARTY_COMMITTEE, name="Tỉnh ủy Đo Quý", parent=province, abbreviation="TU"
        )
        departments_p = [Unit.objects.create(kind=UnitKind.BOARD, name=f"Sở Đo {n}", parent=province) for n in range(4)]
        committees, sources, targets = [], {}, {}
        for n in range(UNITS):
            district = Unit.objects.create(kind=UnitKind.DISTRICT, name=f"Huyện Đo {n}", parent=province)
            committee = Unit.objects.create(
                kind=UnitKind.PARTY_COMMITTEE, name=f"Huyện ủy Đo {n}", parent=district, abbreviation="HU"
            )
            committees.append(committee)
            sources[n] = [
                Unit.objects.create(kind=UnitKind.BOARD, name=f"Phòng Đo {k} huyện {n}", parent=district)
                for k in range(3)
            ]
            communes = [
                Unit.objects.create(kind=UnitKind.COMMUNE, name=f"Xã Đo {k} huyện {n}", parent=district)
                for k in range(5)
            ]
            targets[n] = [
                Unit.objects.create(
                    kind=UnitKind.PARTY_COMMITTEE, name=f"Đảng ủy xã Đo {k} huyện {n}", parent=c, abbreviation="ĐU"
                )
                for k, c in enumerate(communes)
            ]
        print(f"units in {time.monotonic() - started:.1f} s", file=sys.stderr)
        cadres = Cadre.objects.bulk_create(
            [
                Cadre(
                    full_name=f"Nguyễn Văn Đo {n}",
                    date_of_birth=D(1970 + n % 20, 1 + n % 12, 1 + n % 28),
                    sex=Sex.MALE if n % 3 else Sex.FEMALE,
                    ethnicity="Tày" if n % 2 else "Kinh",
                )
                for n in range(UNITS * ROTATIONS_PER_UNIT)
            ],
            batch_size=2000,
        )
        decisions = {}
        for n, committee in enumerate(committees):
            for year in range(2020, 2027):
                decisions[(n, year)] = Decision(
                    symbol=f"{10 + year - 2020:02d}-QĐ/HU",
                    date=D(year, 1, 1),
                    issuing_unit=committee,
                    congress_term=Term.congress_term_on(D(year, 1, 1)),  # bulk_create skips save(), which sets it
                )
        Decision.objects.bulk_create(list(decisions.values()), batch_size=2000)
        postings = []
        for index, cadre in enumerate(cadres):
            n = index % UNITS
            start = D(2020, 1, 10) + datetime.timedelta(days=rng.randrange(0, 6 * 365))
            if rng.random() < 0.8:
                origin, dest, direction = rng.choice(sources[n]), rng.choice(targets[n]), "huyen_xa"
            else:
                origin, dest, direction = rng.choice(departments_p), committees[n], "tinh_huyen"
            ended = rng.random() < 0.35
            end = start + datetime.timedelta(days=rng.randrange(200, 1100)) if ended else None
            postings.append(
                Posting(
                    cadre=cadre,
                    kind=PostingKind.ROTATION,
                    origin_unit=origin,
                    origin_unit_name=origin.name,
                    origin_title_name="Trưởng phòng",
                    dest_unit=dest,
                    dest_unit_name=dest.name,
                    dest_title_name="Phó Bí thư",
                    direction=direction,
                    decision=decisions[(n, start.year)],
                    start_date=start,
                    planned_end=start + datetime.timedelta(days=3 * 365),
                    actual_end=end,
                    status=PostingStatus.ENDED if ended else PostingStatus.IN_FORCE,
                )
            )
        Posting.objects.bulk_create(postings, batch_size=2000)
        print(f"rotations in {time.monotonic() - started:.1f} s", file=sys.stderr)
        quarters = [(year, q) for year in (2024, 2025) for q in (1, 2, 3, 4)]
        periods, reports = [], []
        for n, committee in enumerate(committees):
            for number, (year, quarter) in enumerate(quarters):
                deadline = default_deadline(year, quarter)
                periods.append(ReportingPeriod(unit=committee, year=year, quarter=quarter, deadline=deadline))
                if number == len(quarters) - 1 or (n + number) % 9 == 0:
                    continue  # the current quarter, and one unit in nine each quarter: never filed
                state = ("accepted", "accepted", "accepted", "submitted", "returned")[(n * 3 + number) % 5]
                days = (n + number) % 7 - 4  # a few days before the deadline, some after (late)
                sent = _moment(deadline + datetime.timedelta(days=days))
                reports.append(
                    QuarterlyReport(
                        unit=committee,
                        year=year,
                        quarter=quarter,
                        status=state,
                        version=1,
                        fingerprint="f" * 64,
                        document_number=f"{10 + number:02d}-BC/HU",
                        submitted_at=sent,
                        first_submitted_at=sent,
                        reviewed_at=sent + datetime.timedelta(days=3) if state != "submitted" else None,
                    )
                )
        ReportingPeriod.objects.bulk_create(periods, batch_size=2000)
        QuarterlyReport.objects.bulk_create(reports, batch_size=2000)
        board = User.objects.create_user("bench_quarterly_board", password="bench-password", role=Role.BOARD_STAFF)
        ScopeAssignment.objects.create(user=board, unit=province)
        office = User.objects.create_user("bench_quarterly_office", password="bench-password", role=Role.UNIT_OFFICE)
        ScopeAssignment.objects.create(user=office, unit=committees[0])
        _ = tinh_uy
    print(f"dataset built in {time.monotonic() - started:.1f} s", file=sys.stderr)


def ensure_dataset() -> None:
    from django.db import connection

    from units.models import Unit

    if not Unit.objects.filter(name=MARKER).exists():
        build_dataset()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- Measuring ---


def run(iterations: int) -> tuple[list[Timing], dict]:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from reports.models import ReportingPeriod
    from reports.quarterly import prefill, selectors

    board = User.objects.get(username="bench_quarterly_board")
    office = User.objects.get(username="bench_quarterly_office")
    period = ReportingPeriod.objects.select_related("unit__parent").get(
        unit__name="Huyện ủy Đo 0", year=2025, quarter=4
    )
    board_client, office_client = Client(), Client()
    board_client.force_login(board)
    office_client.force_login(office)
    board_url = reverse("quarterly:index") + "?year=2025&quarter=3"
    edit_url = reverse("quarterly:edit", args=[period.pk])

    def board_page():
        response = board_client.get(board_url)
        assert response.status_code == 200, response.status_code
        return response

    def report_page():
        response = office_client.get(edit_url)
        assert response.status_code == 200, response.status_code
        return response

    def board_selector():
        fresh = User.objects.get(pk=board.pk)  # the scope is read once per request, as a page does
        return selectors.completeness(user=fresh, year=2025, quarter=3)

    def prefill_only():
        fresh = User.objects.get(pk=office.pk)
        return prefill.prefill(user=fresh, unit=period.unit, year=2025, quarter=4)

    timings = [Timing("board page"), Timing("board selector"), Timing("report page"), Timing("prefill")]
    steps = list(zip(timings, (board_page, board_selector, report_page, prefill_only), strict=True))
    board_result = board_selector()
    figures = prefill_only()
    facts = {
        "board_rows": len(board_result.rows),
        "report_rotations_in_force": figures["movements"]["total"]["in_force"],
        "report_started": figures["movements"]["total"]["started"],
        "names": len(figures["names"]),
    }
    for round_number in range(WARMUP + iterations):
        for timing, step in steps:
            started = time.perf_counter()
            step()
            elapsed = (time.perf_counter() - started) * 1000
            if round_number >= WARMUP:
                timing.timings_ms.append(elapsed)
    return timings, facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50, help="timed requests of each kind")
    parser.add_argument("--database", default="rr_bench_quarterly", help="database name on BENCH_SERVER_URL")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    setup_database(args.database)
    ensure_dataset()
    load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    timings, facts = run(args.iterations)
    load_after = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"\nBáo cáo quý: bảng theo dõi {facts['board_rows']} đơn vị; báo cáo một huyện ({facts['names']} cán bộ "
        f"trong danh sách, {facts['report_started']} lượt bắt đầu trong quý); tải máy {load_before} → {load_after}"
    )
    print(f"{'phép đo':<18} {'p50':>9} {'p95':>9} {'tối đa':>9} {'trung bình':>11}")
    for timing in timings:
        print(
            f"{timing.name:<18} {timing.percentile(50):>7.0f}ms {timing.percentile(95):>7.0f}ms "
            f"{max(timing.timings_ms):>7.0f}ms {statistics.fmean(timing.timings_ms):>9.0f}ms"
        )
    by_name = {t.name: t for t in timings}
    board_ok = by_name["board page"].percentile(95) <= BOARD_BUDGET_P95_MS
    report_ok = by_name["report page"].percentile(95) <= PREFILL_BUDGET_MS
    print(
        f"bảng theo dõi p95 {by_name['board page'].percentile(95):.0f} ms (ngân sách ≤ {BOARD_BUDGET_P95_MS:.0f} ms): "
        f"{'PASS' if board_ok else 'FAIL'}"
    )
    print(
        f"báo cáo điền sẵn p95 {by_name['report page'].percentile(95):.0f} ms "
        f"(ngân sách ≤ {PREFILL_BUDGET_MS:.0f} ms): {'PASS' if report_ok else 'FAIL'}"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "facts": facts,
                    "load_before": load_before,
                    "load_after": load_after,
                    "results": {
                        t.name: {"p50_ms": round(t.percentile(50), 1), "p95_ms": round(t.percentile(95), 1)}
                        for t in timings
                    },
                    "verdict": "PASS" if board_ok and report_ok else "FAIL",
                },
                handle,
                ensure_ascii=False,
                indent=1,
            )
    return 0 if board_ok and report_ok else 1


if __name__ == "__main__":
    sys.exit(main())


# --- In `make bench` (bench.run): the generated dataset's quarterly reports ---

BOARD_QUARTER = (2026, 3)  # the last closed quarter of bench.records: filed reports in every state
OPEN_QUARTER = (2026, 4)  # nothing filed: the report page computes its figures from the registry


def run_quarterly(bench, cat) -> list:
    """The completeness board of the province officer's reporting units, and the pre-filled report of one
    commune committee for the open quarter as its office opens it (figures computed from the registry)."""
    from django.urls import reverse

    from accounts.models import User
    from bench.dataset import BENCH_OFFICE, BENCH_USERS
    from bench.run import Budget, Result
    from reports.models import ReportingPeriod
    from reports.quarterly import selectors

    year, quarter = BOARD_QUARTER
    board = selectors.completeness(user=User.objects.get(username=BENCH_USERS[1]), year=year, quarter=quarter)
    states: dict[str, int] = {}
    for row in board.rows:
        label = str(selectors.STATUS_LABELS.get(row.status, row.status)).lower()
        states[label] = states.get(label, 0) + 1
    board_result = Result(
        "Bảng theo dõi báo cáo quý (một tỉnh)",
        f"{len(board.rows)} đơn vị báo cáo, quý {quarter}/{year}; "
        + ", ".join(f"{label} {n}" for label, n in sorted(states.items())),
        Budget(BOARD_BUDGET_P95_MS, source="issue 6"),
    )
    bench.measure(
        board_result,
        "province",
        reverse("quarterly:index"),
        lambda i: {"year": year, "quarter": quarter},
        check=lambda response: _has_rows(response, len(board.rows)),
    )
    office = User.objects.get(username=BENCH_OFFICE)
    year, quarter = OPEN_QUARTER
    period = ReportingPeriod.objects.visible_to(office).select_related("unit").get(year=year, quarter=quarter)
    report_result = Result(
        "Báo cáo quý điền sẵn (một xã)",
        f"{period.unit.name}, quý {quarter}/{year}; số liệu tính từ {cat.postings:,} luân chuyển",
        Budget(PREFILL_BUDGET_MS, source="issue 6"),
    )
    bench.measure(report_result, "office", reverse("quarterly:edit", args=[period.pk]), lambda i: {})
    return [board_result, report_result]


def _has_rows(response, expected: int) -> None:
    if expected == 0 or response.status_code != 200:
        raise RuntimeError(f"the completeness board has {expected} rows")
