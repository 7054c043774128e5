"""The demo's quarterly reporting: who reports for which quarter, and a history of reports (docs/quarterly-reports.md).

* Periods: the 11 district committees (Huyện ủy, Thành ủy Lạng Sơn) for the quarters of 2024 and the
  first half of 2025; from the third quarter of 2025 to the current quarter, the Party committees of
  the 65 communes and wards formed on 1/7/2025 (created here where the demo had none: Đảng ủy xã …,
  abbreviation ĐU, valid from the commune's first day). Deadlines: the default, the 20th of the
  quarter's last month.
* Reports, recorded through reports.quarterly.services as they would have been (each submission at
  its own date, so "on time" and "late" come out as they happened): every district report of 2024 and
  of the first quarter of 2025 accepted, a few of them late and one returned once before being
  accepted; for the second quarter of 2025 a mix of accepted, waiting and returned reports, and three
  committees that never reported (Cao Lộc among them: the walkthrough files it); for the communes'
  quarters a handful of reports each, Thất Khê among them. Units without a demo account are recorded
  by demo_admin (a report received on paper); Bình Gia, Cao Lộc and Thất Khê by their own offices.
* The three demo unit offices get an e-mail address, so the reminder job has someone to write to
  (the console e-mail backend prints the messages).

Loading is idempotent: a second call finds the periods of the first quarter of 2024 and changes nothing.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from reports.models import QuarterlyReport, ReportingPeriod, ReportStatus
from reports.quarterly import selectors, services
from rotation_registry.common.audit import audit_context
from rotation_registry.demo.province import _lower_prefix
from units.models import REORGANISATION_DATE, Unit, UnitKind

D = datetime.date
REASON = "Nạp dữ liệu mẫu: kỳ báo cáo quý và các báo cáo đã nộp"
FIRST_QUARTER = (2024, 1)
DISTRICT_QUARTERS = [(2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2)]
DEMO_EMAILS = {
    "demo_binhgia": "vanphong.huyenuybinhgia@example.org",
    "demo_caoloc": "vanphong.huyenuycaoloc@example.org",
    "demo_thatkhe": "vanphong.danguythatkhe@example.org",
}
SIGNERS = ["Hoàng Văn Thành", "Lương Thị Hạnh", "Nông Văn Bình", "Vi Thị Thu", "Lộc Văn Hùng", "Triệu Thị Mai"]
# Second quarter of 2025: what each district committee did (by the committee's name).
Q2_2025 = {
    "Huyện ủy Cao Lộc": None,  # never filed: the walkthrough (docs/demo.md) files it, late
    "Huyện ủy Bình Gia": None,
    "Huyện ủy Đình Lập": None,
    "Huyện ủy Văn Quan": "returned",
    "Huyện ủy Tràng Định": "submitted",
}
# Late submissions (days after the deadline), by (committee, year, quarter).
LATE = {
    ("Huyện ủy Bình Gia", 2024, 3): 3,
    ("Huyện ủy Lộc Bình", 2024, 4): 5,
    ("Huyện ủy Hữu Lũng", 2025, 1): 2,
    ("Huyện ủy Văn Quan", 2025, 2): 4,
}
RETURNED_ONCE = {("Huyện ủy Chi Lăng", 2024, 2)}
COMMUNE_REPORTS_PER_QUARTER = 8


def _moment(day: D, hour: int = 9, minute: int = 30) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _quarters_until(today: D) -> list[tuple[int, int]]:
    """The communes' quarters: from the third quarter of 2025 to the current one."""
    quarters, (year, quarter) = [], (REORGANISATION_DATE.year, (REORGANISATION_DATE.month - 1) // 3 + 1)
    current = (today.year, (today.month - 1) // 3 + 1)
    while (year, quarter) <= current:
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


def commune_committees(province: Unit) -> list[Unit]:
    """The Party committee of every commune and ward formed on 1/7/2025 (created where missing)."""
    committees = []
    communes = Unit.objects.filter(kind=UnitKind.COMMUNE, parent=province, valid_from=REORGANISATION_DATE)
    for commune in communes.order_by("sort_key"):
        committee = Unit.objects.filter(parent=commune, kind=UnitKind.PARTY_COMMITTEE).order_by("pk").first()
        if committee is None:
            committee = Unit.objects.create(
                parent=commune,
                kind=UnitKind.PARTY_COMMITTEE,
                name=f"Đảng ủy {_lower_prefix(commune.name)}",
                abbreviation="ĐU",
                valid_from=commune.valid_from,
                valid_to=commune.valid_to,
            )
        committees.append(committee)
    return committees


def _sections(unit: Unit, year: int, quarter: int, *, revised: bool = False) -> dict:
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[quarter]
    results = (
        f"Trong quý {roman} năm {year}, Ban Thường vụ {unit.name} tiếp tục triển khai công tác luân chuyển cán bộ "
        "theo kế hoạch của Tỉnh ủy; rà soát cán bộ trong quy hoạch, đánh giá cán bộ đang luân chuyển và chuẩn bị "
        "phương án bố trí cán bộ sau luân chuyển. Số liệu chi tiết tại phụ lục kèm theo."
    )
    if revised:
        results += "\nBổ sung theo ý kiến của Ban Tổ chức Tỉnh ủy: đã rà soát, thống nhất số liệu với sổ luân chuyển."
    return {
        "results": results,
        "strengths": "Cấp ủy quan tâm lãnh đạo, chỉ đạo; việc luân chuyển đúng quy trình, công khai, minh bạch.",
        "weaknesses": "Việc bố trí công tác sau luân chuyển ở một số trường hợp còn chậm.",
        "causes": "Số lượng chức danh phù hợp còn ít; việc sắp xếp tổ chức bộ máy đang triển khai.",
        "next_quarter": "Tiếp tục thực hiện kế hoạch luân chuyển; theo dõi, đánh giá cán bộ luân chuyển định kỳ.",
        "proposals": "Đề nghị Ban Tổ chức Tỉnh ủy hướng dẫn việc bố trí cán bộ sau luân chuyển."
        if quarter % 2 == 0
        else "",
    }


def _submit(*, actor, period: ReportingPeriod, index: int, days: int, revised: bool = False) -> QuarterlyReport:
    """Submit the period's report `days` after its deadline (negative: before), as the unit did."""
    at = _moment(period.deadline + datetime.timedelta(days=days))
    quarter_number = (period.year - 2024) * 4 + period.quarter
    data = _sections(period.unit, period.year, period.quarter, revised=revised) | {
        "document_number": f"{10 + quarter_number * 7:02d}-BC/{period.unit.abbreviation or 'HU'}",
        "document_date": timezone.localdate(at),
        "signer_title": "PHÓ BÍ THƯ",
        "signer_name": SIGNERS[index % len(SIGNERS)],
    }
    report = selectors.report_of(period)
    return services.report_submit(
        actor=actor,
        period=period,
        version=services.report_version(report),
        data=data,
        adjustments=[],
        at=at,
    )


def _review(board, period: ReportingPeriod, outcome: str, days: int, comment: str = "") -> None:
    report = selectors.report_of(period)
    at = _moment(period.deadline + datetime.timedelta(days=days), hour=15)
    action = services.report_return if outcome == "returned" else services.report_accept
    action(actor=board, period=period, version=services.report_version(report), comment=comment, at=at)


RETURN_COMMENT = "Đề nghị bổ sung đánh giá kết quả bố trí cán bộ sau luân chuyển và thống nhất số liệu với sổ."


def _file_history(period: ReportingPeriod, *, index: int, filer, board, outcome: str | None, late: int = 0) -> None:
    """Record what a unit did for a period: nothing, submitted, returned, or accepted (possibly after a return)."""
    if outcome is None:
        return
    days = late if late else -(1 + index % 4)
    _submit(actor=filer, period=period, index=index, days=days)
    if outcome == "submitted":
        return
    if outcome in ("returned", "returned_then_accepted"):
        _review(board, period, "returned", days + 2, RETURN_COMMENT)
        if outcome == "returned":
            return
        _submit(actor=filer, period=period, index=index, days=days + 4, revised=True)
    _review(board, period, "accepted", days + 6)


def _filer(unit: Unit, offices: dict[int, User], admin: User) -> User:
    return offices.get(unit.pk, admin)


@transaction.atomic
def load_demo_reporting(today: D | None = None) -> tuple[int, int]:
    """Periods and reports of the demo (once). Returns (periods created, reports recorded); (0, 0) if loaded."""
    today = today or timezone.localdate()
    if ReportingPeriod.objects.filter(year=FIRST_QUARTER[0], quarter=FIRST_QUARTER[1]).exists():
        return 0, 0
    admin = User.objects.get(username="demo_admin")
    board = User.objects.get(username="demo_board")
    with audit_context(actor=admin, reason=REASON):
        for username, email in DEMO_EMAILS.items():
            User.objects.filter(username=username, email="").update(email=email)
        offices = {u.office_unit_id: u for u in User.objects.filter(username__in=DEMO_EMAILS).exclude(office_unit=None)}
        province = Unit.objects.get(kind=UnitKind.PROVINCE, official_code=str(settings.REGISTRY_PROVINCE_CODE))
        districts = list(
            Unit.objects.filter(kind=UnitKind.PARTY_COMMITTEE, parent__kind=UnitKind.DISTRICT, parent__parent=province)
            .filter(valid_to__gte=D(2024, 1, 1))
            .order_by("sort_key")
        )
        communes = commune_committees(province)
        periods = 0
        for year, quarter in DISTRICT_QUARTERS:
            deadline = services.default_deadline(year, quarter)
            result = services.periods_set(actor=board, year=year, quarter=quarter, deadline=deadline, units=districts)
            periods += len(result.created)
        for year, quarter in _quarters_until(today):
            deadline = services.default_deadline(year, quarter)
            result = services.periods_set(actor=board, year=year, quarter=quarter, deadline=deadline, units=communes)
            periods += len(result.created)
        reports = 0
        for year, quarter in DISTRICT_QUARTERS:
            for index, unit in enumerate(districts):
                period = ReportingPeriod.objects.select_related("unit").get(unit=unit, year=year, quarter=quarter)
                if (year, quarter) == (2025, 2):
                    outcome = Q2_2025.get(unit.name, "accepted")
                elif (unit.name, year, quarter) in RETURNED_ONCE:
                    outcome = "returned_then_accepted"
                else:
                    outcome = "accepted"
                filer = _filer(unit, offices, admin)
                late = LATE.get((unit.name, year, quarter), 0)
                _file_history(period, index=index, filer=filer, board=board, outcome=outcome, late=late)
                reports += outcome is not None
        that_khe = next((c for c in communes if c.pk in offices), None)
        for number, (year, quarter) in enumerate(_quarters_until(today)):
            deadline = services.default_deadline(year, quarter)
            if deadline >= today:
                continue  # the current quarter: nothing filed yet
            chosen = [communes[(number * 11 + k * 7) % len(communes)] for k in range(COMMUNE_REPORTS_PER_QUARTER)]
            if that_khe is not None and that_khe not in chosen:
                chosen[0] = that_khe
            for index, unit in enumerate(dict.fromkeys(chosen)):
                period = ReportingPeriod.objects.select_related("unit").get(unit=unit, year=year, quarter=quarter)
                outcome = "submitted" if index == 1 else "accepted"
                late = 3 if index == 2 else 0
                _file_history(
                    period, index=index, filer=_filer(unit, offices, admin), board=board, outcome=outcome, late=late
                )
                reports += 1
    assert not QuarterlyReport.objects.filter(status=ReportStatus.ACCEPTED, version=0).exists()
    return periods, reports


def load_and_say(stdout) -> None:
    """What `manage.py load_demo` calls: load the reporting demo (once) and say what was done."""
    periods, reports = load_demo_reporting()
    if periods or reports:
        stdout.write(f"Đã nạp kỳ báo cáo quý mẫu: {periods} kỳ báo cáo, {reports} báo cáo đã nộp.")
