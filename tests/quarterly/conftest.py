"""Quarterly reports in the test world: Huyện ủy An reports for the second quarter of 2024.

Rotations into and out of Huyện An (the `kit` of tests/postings) give the report figures:
    * started in the quarter: Tỉnh ủy -> Huyện ủy An on 10/5/2024 (tỉnh về huyện);
    * ended in the quarter: Tỉnh ủy -> Huyện ủy An from 1/3/2023, ended 1/6/2024;
    * in force all quarter: Tỉnh ủy -> Huyện ủy An from 1/9/2023;
    * outside Huyện An: Tỉnh ủy -> Huyện ủy Bình from 10/5/2024 (not in An's report).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Role
from postings.models import Posting
from reports.models import ReportingPeriod
from reports.quarterly import selectors, services
from tests.factories import UserFactory
from tests.postings import Kit, kit_fixture  # noqa: F401  (the `kit` fixture)

D = datetime.date
Q2_2024_DEADLINE = D(2024, 6, 20)

SECTIONS = {
    "results": "Trong quý, Ban Thường vụ Huyện ủy An tiếp nhận 1 cán bộ luân chuyển từ tỉnh về huyện.",
    "strengths": "Thực hiện đúng quy trình, công khai.",
    "weaknesses": "Bố trí sau luân chuyển còn chậm.",
    "causes": "Ít chức danh phù hợp.",
    "next_quarter": "Tiếp tục thực hiện kế hoạch luân chuyển.",
    "proposals": "",
}
DOCUMENT = {
    "document_number": "12-BC/HU",
    "document_date": D(2024, 6, 15),
    "signer_title": "PHÓ BÍ THƯ",
    "signer_name": "Nguyễn Văn Ký",
}


@dataclass
class Reporting:
    kit: Kit
    period: ReportingPeriod  # Huyện ủy An, Q2/2024, deadline 20/6/2024
    other_period: ReportingPeriod  # Huyện ủy Bình, Q2/2024
    started: Posting
    ended: Posting
    ongoing: Posting
    elsewhere: Posting

    @property
    def world(self):
        return self.kit.world


def rotation(kit: Kit, *, start: D, dest_unit, end: D | None = None) -> Posting:
    dest = kit.position("pho_bi_thu", dest_unit)
    posting = kit.posting(day=start - datetime.timedelta(days=10), dest=dest, start=start)
    if end is not None:
        posting.actual_end, posting.status = end, "ended"
    posting.save()
    return posting


@pytest.fixture
def reporting(kit) -> Reporting:
    world = kit.world
    started = rotation(kit, start=D(2024, 5, 10), dest_unit=world.district_a_committee)
    ended = rotation(kit, start=D(2023, 3, 1), dest_unit=world.district_a_committee, end=D(2024, 6, 1))
    ongoing = rotation(kit, start=D(2023, 9, 1), dest_unit=world.district_a_committee)
    elsewhere = rotation(kit, start=D(2024, 5, 10), dest_unit=kit.district_b_committee)
    period = ReportingPeriod.objects.create(
        unit=world.district_a_committee, year=2024, quarter=2, deadline=Q2_2024_DEADLINE
    )
    other = ReportingPeriod.objects.create(
        unit=kit.district_b_committee, year=2024, quarter=2, deadline=Q2_2024_DEADLINE
    )
    return Reporting(kit, period, other, started, ended, ongoing, elsewhere)


@pytest.fixture
def office_a(world):
    """The office of Huyện ủy An (files An's reports)."""
    return UserFactory(username="vanphong_an", role=Role.UNIT_OFFICE, scope=world.district_a_committee)


@pytest.fixture
def office_b(kit):
    """The office of Huyện ủy Bình: must see nothing of An's reports."""
    return UserFactory(username="vanphong_binh", role=Role.UNIT_OFFICE, scope=kit.district_b_committee)


def at(day: D, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=timezone.get_current_timezone())


def submit(office, period: ReportingPeriod, *, when: datetime.datetime | None = None, adjustments=(), **changes):
    """Submit the period's report as the office would (the version it saw, complete sections)."""
    report = selectors.report_of(period)
    data = SECTIONS | DOCUMENT | changes
    return services.report_submit(
        actor=office,
        period=period,
        version=services.report_version(report),
        data=data,
        adjustments=list(adjustments),
        at=when or at(D(2024, 6, 18)),
    )


def review(board, period: ReportingPeriod, outcome: str, comment: str = "", when=None):
    report = selectors.report_of(period)
    action = services.report_return if outcome == "return" else services.report_accept
    return action(
        actor=board,
        period=period,
        version=services.report_version(report),
        comment=comment,
        at=when or at(D(2024, 6, 25)),
    )
