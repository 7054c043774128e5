"""The generated dataset's paperwork: plans, evaluations and quarterly reports (bench.dataset calls `load`).

Written in bulk on the loading session while `session_replication_role = replica` keeps the triggers
off (see bench.dataset), each table in its final state, as the services would have left it:

* **Plans** (plans app): per former province, an issued plan for 2016–2020 and one for 2021–2025 of its
  Tỉnh ủy; per province since 1/7/2025, an issued plan for 2026–2030 and a draft. Issued plans carry
  targets (by direction, and one by title) and 12–30 planned cadres taken from the province's real
  rotations of the period, most linked to the posting that carried them out. The sections are the
  plan's document HTML (plans.services' own conversion), about five printed pages.
* **Evaluations** (cadres.Evaluation): 70 % of cadres rated each year 2021–2025 (scores from 2025, as
  Quy định 366-QĐ/TW allows), and 40 % of those rated for the quarters I–III of 2026.
* **Quarterly reports** (reports app): a reporting period for every reporting unit and quarter
  (district committees 2024 Q1 – 2025 Q2; the committees of the communes formed on 1/7/2025,
  2025 Q3 – 2026 Q4: the units `reports.quarterly.services.reporting_candidates` names), deadlines
  by `default_deadline`, `overdue_at` set where the daily job would have set it. Filed reports carry
  the frozen snapshot `report_submit` takes (the real `prefill` figures, their fingerprint, the
  registry's data version, one QuarterlyReportVersion per submission with the review's outcome), so
  the triggers that guard filed reports find them as the services leave them. A snapshot costs a
  statistics computation (25–50 ms), so filed reports are limited to the benchmark province's scope
  (Tỉnh Tuyên Quang since 1/7/2025, with the former Tuyên Quang and Hà Giang) for the last closed
  quarter of each era (2025 Q1–Q2 for districts, 2026 Q3 for communes); elsewhere a share of units
  keep a saved draft (no snapshot: drafts are computed when opened).
"""

from __future__ import annotations

import datetime
import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from bench.documents import PARAGRAPH, section

TIMEZONE = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
EVALUATION_YEARS = range(2021, 2026)
EVALUATION_QUARTERS = (1, 2, 3)  # of 2026 (Kết luận 198-KL/TW: quarterly ratings, quarters I–III)
LEVELS = [("excellent", 15), ("good", 58), ("completed", 24), ("not_completed", 3)]
DISTRICT_QUARTERS = [(2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2)]
COMMUNE_QUARTERS = [(2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3), (2026, 4)]
FILED_QUARTERS = {(2025, 1), (2025, 2), (2026, 3)}  # with real snapshots, in the benchmark province
OPEN_QUARTER = (2026, 4)  # the current quarter of the dataset: nothing filed, nothing overdue
REPORT_STATES = ("accepted", "accepted", "accepted", "submitted", "returned", "accepted", None)
SIGNERS = ["Hoàng Văn Thành", "Lương Thị Hạnh", "Nông Văn Bình", "Vi Thị Thu", "Nguyễn Đức Tài", "Trần Thị Vân"]
REPORT_TEXT = {
    "results": "Cấp ủy đã thực hiện luân chuyển, điều động cán bộ theo đúng kế hoạch; " + PARAGRAPH,
    "strengths": "Công tác chuẩn bị nhân sự chặt chẽ, đúng quy trình, công khai, minh bạch.",
    "weaknesses": "Một số cán bộ luân chuyển chậm ổn định nơi công tác mới.",
    "causes": "Địa bàn rộng, giao thông khó khăn; chế độ hỗ trợ chưa kịp thời.",
    "next_quarter": "Tiếp tục rà soát quy hoạch, chuẩn bị nhân sự luân chuyển quý tới.",
    "proposals": "Đề nghị Ban Thường vụ Tỉnh ủy bố trí kinh phí hỗ trợ cán bộ luân chuyển.",
}
RETURN_COMMENT = "Đề nghị bổ sung giải trình số liệu cột “kết thúc trong quý”."


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _moment(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TIMEZONE)


@dataclass
class Loaded:
    plans: int = 0
    plan_targets: int = 0
    plan_entries: int = 0
    evaluations: int = 0
    reporting_periods: int = 0
    reports: int = 0
    reports_filed: int = 0
    report_versions: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def load(cursor, *, cadres: int, seed: int, filer, filed_paths: list[str], log=print) -> Loaded:
    """Plans, evaluations and quarterly reports; `cursor` is the loading session's raw cursor (triggers off).

    `filer` records the filed reports (as an officer records reports received on paper) and `filed_paths`
    are the unit paths whose reporting units filed them (the benchmark province's scope)."""
    rng = random.Random(seed + 1)
    loaded = Loaded()
    load_plans(cursor, rng, loaded)
    log(f"  {loaded.plans} plans, {loaded.plan_targets:,} targets, {loaded.plan_entries:,} planned cadres")
    load_evaluations(cursor, rng, loaded, cadres)
    log(f"  {loaded.evaluations:,} evaluations")
    load_quarterly(cursor, rng, loaded, filer=filer, filed_paths=filed_paths)
    log(f"  {loaded.reporting_periods:,} reporting periods, {loaded.reports:,} reports ({loaded.reports_filed} filed)")
    return loaded


# --- Plans ---


def _plan_sections() -> dict[str, str]:
    """The sections as plans.services stores them (document HTML), long enough for about five pages."""
    from plans.services import normalize_text_keep_lines
    from rotation_registry.common.pdf import text_to_document_html

    def html(text: str) -> str:
        return text_to_document_html(normalize_text_keep_lines(text))

    return {
        "purpose_section": html(section(2, 2)),
        "content_section": html(section(3, 2)),
        "organisation_section": html(section(2, 1)),
    }


def load_plans(cursor, rng: random.Random, loaded: Loaded) -> None:
    """A handful of plans per province (module docstring), with their targets and planned cadres."""
    from plans.models import Plan, PlanEntry, PlanStatus, PlanTarget
    from plans.services import header_defaults
    from postings.models import Posting
    from units.models import Term, Unit

    terms = {t.name: t for t in Term.objects.all()}
    congress = [t for t in terms.values() if t.kind == "congress"]

    def congress_on(day: datetime.date):
        return next(t for t in congress if t.start <= day <= t.end)

    # The Tỉnh ủy / Thành ủy of each province row, with the province's path (for its rotations).
    committees = list(
        Unit.objects.filter(kind="party_committee", level="province", parent__kind="province")
        .select_related("parent")
        .order_by("id")
    )
    sections = _plan_sections()
    every = max(1, Posting.objects.count() // 100_000)  # about 30,000 candidate rotations per period at most
    candidates: dict[int, dict[int, list[tuple]]] = {}
    plans, targets, entries = [], [], []
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    for committee in committees:
        province = committee.parent
        cases = []
        if province.scheme in ("legacy", "legacy+2025"):
            cases += [(terms["2016–2020"], PlanStatus.ISSUED), (terms["2021–2025"], PlanStatus.ISSUED)]
        if province.scheme in ("2025", "legacy+2025"):
            cases += [(terms["2026–2030"], PlanStatus.ISSUED), (terms["2026–2030"], PlanStatus.DRAFT)]
        header = header_defaults(committee)
        for period, status in cases:
            day = period.start + datetime.timedelta(days=rng.randint(20, 200))
            term = congress_on(day)
            numbers[(committee.pk, term.pk)] += 1
            symbol = f"{numbers[(committee.pk, term.pk)] * 7 + rng.randint(0, 6):02d}-KH/{committee.abbreviation}"
            plan = Plan(
                symbol=symbol,
                date=day,
                congress_term=term,
                issuing_unit=committee,
                period=period,
                status=status,
                issued_at=_moment(day, 15) if status == PlanStatus.ISSUED else None,
                title=(
                    f"luân chuyển, đào tạo, bồi dưỡng cán bộ lãnh đạo, quản lý giai đoạn {period.name} "
                    f"diện Ban Thường vụ {committee.name} quản lý"
                ),
                legal_bases=(
                    "Căn cứ Điều lệ Đảng\nCăn cứ Kết luận số 24-KL/TW, ngày 05/6/2012 của Bộ Chính trị về đẩy mạnh "
                    "công tác quy hoạch và luân chuyển cán bộ lãnh đạo, quản lý"
                ),
                preamble=f"Ban Thường vụ {committee.name} xây dựng Kế hoạch như sau:",
                recipients="Ban Tổ chức Trung ương (b/c)\nCác huyện ủy, thành ủy, đảng ủy trực thuộc\nLưu Văn phòng",
                signing_authority="T/M BAN THƯỜNG VỤ",
                signer_title="BÍ THƯ",
                signer_name=rng.choice(SIGNERS),
                **header,
                **sections,
            )
            if period.pk not in candidates:
                candidates[period.pk] = _candidates(cursor, period, every)
            plan_targets, plan_entries = _plan_rows(rng, candidates[period.pk].get(province.pk, []), status)
            plans.append((plan, plan_targets, plan_entries))
    Plan.objects.bulk_create([plan for plan, _, _ in plans])
    for plan, plan_targets, plan_entries in plans:
        for target in plan_targets:
            target.plan = plan
            targets.append(target)
        for entry in plan_entries:
            entry.plan = plan
            entries.append(entry)
    PlanTarget.objects.bulk_create(targets, batch_size=2000)
    PlanEntry.objects.bulk_create(entries, batch_size=2000)
    loaded.plans, loaded.plan_targets, loaded.plan_entries = len(plans), len(targets), len(entries)


def _candidates(cursor, period, every: int) -> dict[int, list[tuple]]:
    """A sample of the period's rotations (every `every`-th posting id), by the top-level unit they went to."""
    cursor.execute(
        """
        SELECT split_part(u.path, '/', 2)::bigint, p.id, p.cadre_id, p.dest_unit_id, pos.title_id, p.direction,
               p.origin_title_name, p.origin_unit_name
        FROM postings_posting p JOIN units_unit u ON u.id = p.dest_unit_id
        JOIN units_position pos ON pos.id = p.dest_position_id
        WHERE p.start_date BETWEEN %s AND %s AND p.status <> 'cancelled' AND p.id %% %s = 0
        ORDER BY p.id
        """,
        [period.start, period.end, every],
    )
    by_root: dict[int, list[tuple]] = defaultdict(list)
    for root, *row in cursor.fetchall():
        by_root[root].append(tuple(row))
    return by_root


def _plan_rows(rng: random.Random, candidates: list[tuple], status: str) -> tuple[list, list]:
    """Targets and entries of one plan, from the province's rotations of the period."""
    from plans.models import PlanEntry, PlanStatus, PlanTarget

    issued = status == PlanStatus.ISSUED
    wanted = rng.randint(12, 30)
    chosen, seen = [], set()
    for row in rng.sample(candidates, min(len(candidates), 3 * wanted)):
        if row[1] not in seen and len(chosen) < wanted:
            seen.add(row[1])
            chosen.append(row)
    entries = [
        PlanEntry(
            cadre_id=cadre,
            dest_unit_id=dest_unit,
            dest_title_id=title,
            current_post=", ".join(part for part in (origin_title, origin_unit) if part),
            posting_id=posting if issued and rng.random() < 0.8 else None,
        )
        for posting, cadre, dest_unit, title, _direction, origin_title, origin_unit in chosen
    ]
    by_direction: dict[str, int] = defaultdict(int)
    for row in chosen:
        by_direction[row[4]] += 1
    # The three main directions, as plans set them (and as the annex of a five-page plan holds them).
    main = sorted((item for item in by_direction.items() if item[0] != "khac"), key=lambda item: (-item[1], item[0]))
    targets = [PlanTarget(direction=direction, count=count + rng.randint(0, 3)) for direction, count in main[:3]]
    if chosen:
        targets.append(PlanTarget(dest_title_id=chosen[0][3], count=rng.randint(2, 6)))
    # And the plan's total ("Tổng số"), so that every plan has targets even where few rotations were sampled.
    targets.append(PlanTarget(count=max(len(chosen), 1) + rng.randint(0, 5)))
    return targets, entries


# --- Evaluations ---


def load_evaluations(cursor, rng: random.Random, loaded: Loaded, cadres: int) -> None:
    rows = 0
    with cursor.copy("COPY cadres_evaluation (cadre_id, year, quarter, level, score) FROM STDIN") as copy:
        for cadre_id in range(1, cadres + 1):
            if rng.random() >= 0.7:
                continue
            for year in EVALUATION_YEARS:
                level = _weighted(rng, LEVELS)
                score = _score(rng, level) if year >= 2025 else None
                copy.write_row((cadre_id, year, None, level, score))
                rows += 1
            if rng.random() < 0.4:
                for quarter in EVALUATION_QUARTERS:
                    level = _weighted(rng, LEVELS)
                    copy.write_row((cadre_id, 2026, quarter, level, _score(rng, level)))
                    rows += 1
    loaded.evaluations = rows


def _score(rng: random.Random, level: str) -> str:
    low, high = {"excellent": (90, 100), "good": (75, 89), "completed": (60, 74), "not_completed": (30, 59)}[level]
    return f"{rng.uniform(low, high):.2f}"


# --- Quarterly reports ---


def _reporting_units(cursor) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """(committee id, abbreviation, quarters): district committees before 1/7/2025, new communes' after."""
    cursor.execute(
        """
        SELECT u.id, u.abbreviation, t.kind FROM units_unit u JOIN units_unit t ON t.id = u.parent_id
        WHERE u.kind = 'party_committee'
          AND (t.kind = 'district' OR (t.kind = 'commune' AND t.scheme = '2025'))
        ORDER BY u.id
        """
    )
    return [
        (unit, abbreviation, DISTRICT_QUARTERS if kind == "district" else COMMUNE_QUARTERS)
        for unit, abbreviation, kind in cursor.fetchall()
    ]


def load_quarterly(cursor, rng: random.Random, loaded: Loaded, *, filer, filed_paths: list[str]) -> None:
    from django.db.models import Q

    from reports.models import QuarterlyReport, QuarterlyReportVersion, ReportingPeriod
    from reports.quarterly import prefill
    from reports.quarterly.services import SECTION_FIELDS, default_deadline
    from reports.runs import current_fingerprint
    from units.models import Unit

    registry_version = current_fingerprint()
    periods, reports, versions = [], [], []
    under = Q()
    for path in filed_paths:
        under |= Q(path__startswith=path)
    filing = Unit.objects.filter(under, kind="party_committee", parent__kind__in=["district", "commune"])
    units = {u.pk: u for u in filing.select_related("parent")}
    for unit_id, abbreviation, quarters in _reporting_units(cursor):
        for number, (year, quarter) in enumerate(quarters):
            deadline = default_deadline(year, quarter)
            period = ReportingPeriod(unit_id=unit_id, year=year, quarter=quarter, deadline=deadline)
            periods.append(period)
            if (year, quarter) == OPEN_QUARTER:
                continue
            filed = unit_id in units and (year, quarter) in FILED_QUARTERS
            state = REPORT_STATES[(unit_id + number) % len(REPORT_STATES)] if filed else None
            sections = {name: REPORT_TEXT[name] for name in SECTION_FIELDS}
            if state is None:
                period.overdue_at = _moment(deadline + datetime.timedelta(days=1), 1)  # what mark_overdue does
                if not filed and rng.random() < 0.3:  # a saved draft: its figures are computed when opened
                    reports.append(
                        QuarterlyReport(unit_id=unit_id, year=year, quarter=quarter, status="draft", **sections)
                    )
                continue
            late = rng.random() < 0.15
            if late:
                period.overdue_at = _moment(deadline + datetime.timedelta(days=1), 1)
            sent = _moment(deadline + datetime.timedelta(days=rng.randint(1, 6) if late else -rng.randint(0, 10)))
            figures = prefill.prefill(user=filer, unit=units[unit_id], year=year, quarter=quarter)
            fingerprint = prefill.fingerprint(figures)
            reviewed = sent + datetime.timedelta(days=3) if state != "submitted" else None
            document = {
                "document_number": f"{10 + number:02d}-BC/{abbreviation}",
                "document_date": sent.date(),
                "signer_title": "BÍ THƯ",
                "signer_name": rng.choice(SIGNERS),
            }
            report = QuarterlyReport(
                unit_id=unit_id,
                year=year,
                quarter=quarter,
                status=state,
                figures=figures,
                fingerprint=fingerprint,
                registry_version=registry_version,
                version=1,
                submitted_by=filer,
                submitted_at=sent,
                first_submitted_at=sent,
                reviewed_by=filer if reviewed else None,
                reviewed_at=reviewed,
                review_comment=RETURN_COMMENT if state == "returned" else "",
                **document,
                **sections,
            )
            reports.append(report)
            versions.append(
                QuarterlyReportVersion(
                    report=report,
                    number=1,
                    figures=figures,
                    fingerprint=fingerprint,
                    registry_version=registry_version,
                    sections=sections,
                    submitted_by=filer,
                    submitted_at=sent,
                    outcome=state if state != "submitted" else "",
                    reviewed_by=filer if reviewed else None,
                    reviewed_at=reviewed,
                    review_comment=report.review_comment,
                    **document,
                )
            )
    # 24,000 periods: COPY (a tenth of bulk_create's time); nothing points at their ids.
    with cursor.copy("COPY reports_reportingperiod (unit_id, year, quarter, deadline, overdue_at) FROM STDIN") as copy:
        for period in periods:
            copy.write_row((period.unit_id, period.year, period.quarter, period.deadline, period.overdue_at))
    QuarterlyReport.objects.bulk_create(reports, batch_size=500)
    for version in versions:
        version.report_id = version.report.pk
    QuarterlyReportVersion.objects.bulk_create(versions, batch_size=500)
    loaded.reporting_periods, loaded.reports = len(periods), len(reports)
    loaded.reports_filed, loaded.report_versions = len(versions), len(versions)
