"""A worker killed mid-job: after a restart the run completes exactly once.

Real `celery worker` processes on the test database and a private Redis (so the short visibility
timeout and the killed worker's unacknowledged message stay out of the shared Redis). The job's
first attempt pauses after claiming its run (RR_STATISTICS_TEST_PAUSE, a test-only hook in
reports.runs) so the kill lands while the run is `running`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from reports.models import RunStatus, StatisticsRun
from reports.runs import request_recompute
from reports.statistics.engine import compute
from tests.statistics_jobs.conftest import add_postings, province_parameters, queue_name, wait_until, worker_environment

VISIBILITY_TIMEOUT = 3
CELERY = str(Path(sys.executable).with_name("celery"))


class Worker:
    """A `celery worker` subprocess in a session of its own (so it and its children can be killed together)."""

    def __init__(self, broker_url: str, log: Path, pool: str = "solo", pause: float = 60):
        self.log = log
        env = worker_environment(
            broker_url,
            RR_STATISTICS_TEST_PAUSE=str(pause),
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            CELERY_UNACKED_RESTORE_INTERVAL="1",
        )
        command = [CELERY, "-A", "rotation_registry", "worker", "-P", pool, "-c", "1", "-Q", queue_name()]
        command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "INFO"]
        command += ["-n", f"loss-{os.getpid()}-{time.monotonic_ns()}@%h"]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def children(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL the worker and everything it started: no shutdown, no acknowledgement."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(broker_url: str, **kwargs) -> Worker:
        worker = Worker(broker_url, tmp_path / "worker.log", **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def status_of(run: StatisticsRun, *statuses: str):
    def reached():
        run.refresh_from_db()
        return run.status in statuses

    reached.__doc__ = f"run #{run.pk} is {' or '.join(statuses)}"
    return reached


def log_of(worker: Worker) -> str:
    return worker.log.read_text(errors="replace")[-4000:]


@pytest.fixture
def counted(restore_catalogues, transactional_db, kit):
    add_postings(kit, 3)
    return kit


def assert_completed_once(run: StatisticsRun, private_redis) -> None:
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.attempts == 2  # the killed attempt and the one that finished
    assert run.results == compute(run.parameters)
    assert StatisticsRun.objects.count() == 1  # no duplicate run
    client = redis.Redis.from_url(private_redis.url)
    wait_until(lambda: client.hlen("unacked") == 0, timeout=15)  # acknowledged: nothing will come back
    assert client.llen(queue_name()) == 0


def test_a_run_whose_worker_is_killed_completes_once_after_a_restart(counted, board_officer, private_redis, workers):
    first = workers(private_redis.url)
    run, _ = request_recompute(province_parameters(counted), board_officer)
    try:
        wait_until(status_of(run, RunStatus.RUNNING), timeout=60)
    except AssertionError:
        raise AssertionError(log_of(first)) from None

    first.kill()
    killed_at = time.monotonic()
    run.refresh_from_db()
    assert (run.status, run.attempts, run.results) == (RunStatus.RUNNING, 1, None)
    # The message goes back to the queue once the visibility timeout has passed since its delivery.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - killed_at)))
    second = workers(private_redis.url)

    try:
        wait_until(status_of(run, RunStatus.DONE, RunStatus.FAILED), timeout=60)
    except AssertionError:
        raise AssertionError(log_of(second)) from None
    assert_completed_once(run, private_redis)
    second.stop()


def test_a_run_whose_pool_process_is_killed_is_handed_back_and_completes_once(
    counted, board_officer, private_redis, workers
):
    """task_reject_on_worker_lost: the worker sees its child die and puts the message back at once."""
    worker = workers(private_redis.url, pool="prefork")
    run, _ = request_recompute(province_parameters(counted), board_officer)
    try:
        wait_until(status_of(run, RunStatus.RUNNING), timeout=60)
    except AssertionError:
        raise AssertionError(log_of(worker)) from None

    (child,) = worker.children()
    os.kill(child, signal.SIGKILL)

    try:
        wait_until(status_of(run, RunStatus.DONE, RunStatus.FAILED), timeout=60)
    except AssertionError:
        raise AssertionError(log_of(worker)) from None
    assert_completed_once(run, private_redis)
    assert "WorkerLostError" in log_of(worker)
    worker.stop()
