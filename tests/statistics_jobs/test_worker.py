"""Jobs in a real Celery worker (a thread, celery.contrib.testing) against the real Redis and PostgreSQL."""

from __future__ import annotations

import pytest
from celery.signals import task_prerun
from django.db import transaction
from django.test import override_settings

from reports.models import RunStatus, RunTrigger, StatisticsRun
from reports.runs import current_fingerprint, normalise, parameters_key, request_recompute, standard_parameter_sets
from reports.selectors import latest_run
from reports.statistics.engine import compute
from reports.tasks import compute_run, recompute_all
from tests.statistics_jobs.conftest import add_postings, province_parameters, wait_until


def finished(run: StatisticsRun) -> StatisticsRun:
    def is_finished():
        """the run is finished"""
        run.refresh_from_db()
        return run.is_finished

    wait_until(is_finished, timeout=60)
    return run


@pytest.fixture
def executed():
    """The names of the tasks the worker (a thread of this process) starts during the test."""
    names: list[str] = []

    def record(sender=None, **kwargs):
        names.append(sender.name)

    task_prerun.connect(record, weak=False)
    yield names
    task_prerun.disconnect(record)


@pytest.fixture
def counted(restore_catalogues, transactional_db, kit):
    add_postings(kit, 3)
    return kit


def test_a_requested_recompute_is_computed_by_a_worker(counted, board_officer, worker):
    run, message = request_recompute(province_parameters(counted), board_officer)
    assert message == "Đã gửi yêu cầu tính lại; số liệu sẽ cập nhật sau ít phút."

    run = finished(run)

    assert run.status == RunStatus.DONE, run.error
    assert run.progress == 100
    assert run.results == compute(run.parameters)
    assert run.results["total"]["value"] == 3
    assert run.fingerprint == current_fingerprint()
    assert latest_run(user=board_officer, parameters=run.parameters) == (run, False)


def test_running_the_jobs_twice_leaves_the_same_stored_result(counted, board_officer, worker, executed):
    run = finished(request_recompute(province_parameters(counted), board_officer)[0])
    stored = (run.finished_at, run.results_hash, run.attempts)

    compute_run.delay(run.pk)  # the same job again, as a redelivery would
    recompute_all.delay()
    recompute_all.delay()  # the nightly job twice

    wait_until(lambda: executed.count("reports.tasks.recompute_all") == 2, timeout=60)
    wait_until(lambda: not StatisticsRun.objects.exclude(status=RunStatus.DONE).exists(), timeout=60)
    run.refresh_from_db()
    assert (run.finished_at, run.results_hash, run.attempts) == stored
    keys = {parameters_key(p) for p in standard_parameter_sets()}
    done = list(StatisticsRun.objects.filter(status=RunStatus.DONE).values_list("parameters_key", "fingerprint"))
    assert len(done) == len(set(done))  # one done run per parameters and data version
    assert keys <= {key for key, _ in done}
    assert StatisticsRun.objects.filter(trigger=RunTrigger.NIGHTLY).count() == len(keys)


@override_settings(STATISTICS_RECOMPUTE_DELAY=1)
def test_a_burst_of_changes_is_recomputed_once_after_a_quiet_spell(counted, board_officer, worker, executed):
    from reports.runs import _redis, pending_key

    _redis().delete(pending_key())
    parameters = normalise(province_parameters(counted))

    with transaction.atomic():
        add_postings(counted, 5)

    keys = {parameters_key(p) for p in standard_parameter_sets()}
    assert parameters_key(parameters) not in keys  # the province's calendar year 2023 is not standard...
    version = current_fingerprint()
    wait_until(lambda: StatisticsRun.objects.filter(status=RunStatus.DONE).count() == len(keys), timeout=60)
    assert executed.count("reports.tasks.recompute_after_change") == 1
    runs = StatisticsRun.objects.all()
    assert sorted(r.parameters_key for r in runs) == sorted(keys)  # one run for each standard key
    assert {(r.trigger, r.fingerprint, r.status) for r in runs} == {(RunTrigger.CHANGE, version, RunStatus.DONE)}
    province_term = next(
        r for r in runs if r.parameters["unit"] == counted.world.province.pk and r.parameters["start"] == "2020-10-01"
    )
    assert province_term.results["total"]["value"] == 8
