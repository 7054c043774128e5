"""A burst of writes schedules one recompute, after it commits; with Redis down or hung, saving is not held up."""

from __future__ import annotations

import time

import pytest
from celery.signals import before_task_publish
from django.db import transaction
from django.test import override_settings

from imports.models import BatchStatus
from imports.services import batch_receive, batch_request_commit
from reports.runs import pending_key, schedule_recompute_after_change
from tests.imports.test_background import big_workbook
from tests.statistics_jobs.conftest import add_postings, app_using, free_port, queued_messages

RECOMPUTE = "reports.tasks.recompute_after_change"


@pytest.fixture
def published():
    """The names of the tasks this process publishes (to the real broker) during the test."""
    names: list[str] = []

    def record(sender=None, **kwargs):
        names.append(sender)

    before_task_publish.connect(record, weak=False)
    yield names
    before_task_publish.disconnect(record)


@pytest.fixture
def no_pending_recompute():
    from reports.runs import _redis

    _redis().delete(pending_key())
    yield
    _redis().delete(pending_key())


def test_many_postings_in_one_transaction_schedule_one_recompute(
    restore_catalogues, transactional_db, kit, published, no_pending_recompute
):
    with transaction.atomic():
        add_postings(kit, 6)
        assert published == []  # nothing before the commit

    assert published == [RECOMPUTE]
    assert queued_messages() == 1


def test_a_second_burst_within_the_delay_schedules_nothing_more(
    restore_catalogues, transactional_db, kit, published, no_pending_recompute
):
    add_postings(kit, 1)  # its own transaction: schedules the recompute
    add_postings(kit, 1)  # another transaction, within the delay: the recompute already covers it

    assert published == [RECOMPUTE]


def test_a_rolled_back_transaction_schedules_nothing(
    restore_catalogues, transactional_db, kit, published, no_pending_recompute
):
    with transaction.atomic():
        add_postings(kit, 2)
        transaction.set_rollback(True)

    assert published == []


def test_an_import_schedules_one_recompute(
    restore_catalogues, transactional_db, board_officer, published, no_pending_recompute
):
    from tests.imports.conftest import ensure_catalogues

    ensure_catalogues()
    batch = batch_receive(actor=board_officer, kind="cadres", file_name="can-bo.xlsx", data=big_workbook(40))
    assert batch.status == BatchStatus.CHECKED
    published.clear()

    batch = batch_request_commit(actor=board_officer, batch=batch)

    assert batch.status == BatchStatus.COMMITTED
    assert published == [RECOMPUTE]


@pytest.mark.parametrize("outage", ["down", "hung"])
def test_saving_a_posting_is_not_held_up_when_redis_is_down_or_hung(
    restore_catalogues, transactional_db, kit, outage, request
):
    if outage == "down":
        context = app_using(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    else:
        server = request.getfixturevalue("private_redis")
        server.pause()
        context = app_using(server.url)
    with context:
        started = time.monotonic()
        (posting,) = add_postings(kit, 1)
        elapsed = time.monotonic() - started

    assert posting.pk is not None
    assert elapsed < 2.5, elapsed  # one connection attempt of at most a second, then the save goes on


@override_settings(STATISTICS_RECOMPUTE_DELAY=30)
def test_scheduling_reports_failure_instead_of_raising(db):
    with app_using(f"redis://127.0.0.1:{free_port()}/0"):
        started = time.monotonic()
        assert schedule_recompute_after_change() is False
        assert time.monotonic() - started < 1.5
