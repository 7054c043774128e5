"""The daily job: overdue marks and reminder e-mails, once per report and deadline, on a real Celery worker.

The worker is a thread of this process (celery.contrib.testing) on the test run's own queue against the
real Redis, so the job's e-mails land in Django's test outbox (the locmem mailer) and its writes are
committed (transactional tests; `restore_catalogues` refills what the flush at the end empties).
"""

from __future__ import annotations

import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

import reports.tasks  # noqa: F401  (registers the tasks, the quarterly job among them, before the worker starts)
from accounts.models import Role
from reports.models import QuarterlyReport, ReminderSent, ReportingPeriod
from reports.quarterly import services
from reports.quarterly.tasks import quarterly_reminders
from rotation_registry.celery import app
from tests.factories import UnitFactory, UserFactory
from tests.statistics_jobs.conftest import purge_queue
from units.models import UnitKind

DAY = datetime.timedelta(days=1)
JOB_TIMEOUT = 60


@pytest.fixture
def worker(restore_catalogues, transactional_db):
    purge_queue()
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1, loglevel="WARNING"):
        yield
    purge_queue()


@pytest.fixture
def offices(world):
    """Three committees with an office each (with an e-mail address), and one period per situation."""
    today = timezone.localdate()
    binh = UnitFactory(kind=UnitKind.PARTY_COMMITTEE, name="Huyện ủy Bình", parent=world.district_b, abbreviation="HU")
    office_a = UserFactory(role=Role.UNIT_OFFICE, email="vanphong.an@example.org", scope=world.district_a_committee)
    UserFactory(role=Role.UNIT_OFFICE, email="vanphong.binh@example.org", scope=binh)
    UserFactory(role=Role.UNIT_OFFICE, email="", scope=binh)  # no address: nothing to send to
    due_soon = ReportingPeriod.objects.create(
        unit=world.district_a_committee, year=2024, quarter=2, deadline=today + 3 * DAY
    )
    overdue = ReportingPeriod.objects.create(unit=binh, year=2024, quarter=2, deadline=today - 2 * DAY)
    filed = ReportingPeriod.objects.create(
        unit=world.district_a_committee, year=2024, quarter=1, deadline=today + 3 * DAY
    )
    QuarterlyReport.objects.create(
        unit=filed.unit,
        year=2024,
        quarter=1,
        status="submitted",
        version=1,
        fingerprint="0" * 64,
        submitted_at=timezone.now(),
        first_submitted_at=timezone.now(),
    )
    far = ReportingPeriod.objects.create(
        unit=world.district_a_committee, year=2024, quarter=3, deadline=today + 40 * DAY
    )
    return {"office_a": office_a, "due_soon": due_soon, "overdue": overdue, "filed": filed, "far": far}


def run_job() -> dict:
    return quarterly_reminders.apply_async(ignore_result=False).get(timeout=JOB_TIMEOUT)


def test_the_job_run_twice_sends_one_email_per_report_and_deadline(worker, offices, board_officer):
    mail.outbox.clear()
    assert run_job() == {"overdue_marked": 1, "sent": 2}
    assert sorted(message.to[0] for message in mail.outbox) == ["vanphong.an@example.org", "vanphong.binh@example.org"]
    before = next(m for m in mail.outbox if m.to == ["vanphong.an@example.org"])
    assert before.subject.startswith("Nhắc nộp báo cáo quý II/2024")
    assert f"/quarterly/periods/{offices['due_soon'].pk}/edit/" in before.body
    after = next(m for m in mail.outbox if m.to == ["vanphong.binh@example.org"])
    assert "quá hạn" in after.subject

    assert run_job() == {"overdue_marked": 0, "sent": 0}  # the second run sends nothing twice
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 2
    assert ReportingPeriod.objects.get(pk=offices["overdue"].pk).overdue_at is not None

    # A new deadline (the board moves the quarter's deadline to tomorrow + 3 days) is a new reminder, once,
    # for each period not filed yet: An's and Bình's (Bình's is no longer overdue).
    due_soon = offices["due_soon"]
    services.periods_set(
        actor=board_officer,
        year=2024,
        quarter=2,
        deadline=due_soon.deadline + DAY,
        units=[due_soon.unit, offices["overdue"].unit],
    )
    assert run_job() == {"overdue_marked": 0, "sent": 2}
    assert run_job()["sent"] == 0
    assert len(mail.outbox) == 4
    assert all(message.subject.startswith("Nhắc nộp") for message in mail.outbox[2:])


@pytest.mark.django_db
def test_reminders_go_only_to_periods_not_submitted_and_within_their_windows(offices):
    today = timezone.localdate()
    due = services._due_reminders(today)
    assert sorted((p.pk, kind) for p, kind in due) == sorted(
        [(offices["due_soon"].pk, "before"), (offices["overdue"].pk, "after")]
    )
    # Long past deadlines are not chased by e-mail (the board sees them on the completeness board).
    assert services._due_reminders(today + 100 * DAY) == []
