"""Redis stopped or hung: the stored figures still read, and "recompute" answers within 3 s in Vietnamese.

The Redis here is a private redis-server (conftest.PrivateRedis) that the test really terminates or
freezes with SIGSTOP; this process's Celery app points at it for the test, the shared Redis is untouched.
"""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from reports.models import RunStatus, StatisticsRun
from reports.runs import compute_run_job, normalise, request_recompute
from reports.selectors import latest_run
from rotation_registry.common.formatting import format_date
from tests.statistics_jobs.conftest import (
    add_postings,
    end_of_transaction,
    province_parameters,
    purge_queue,
    wait_until,
)

UNREACHABLE = "Không kết nối được hàng đợi tính toán (Redis); "


@pytest.fixture
def stored(kit, board_officer, private_redis):
    """A done run for the province's 2023, computed while Redis was up; then the data changes."""
    add_postings(kit, 2)
    end_of_transaction()
    run, _ = request_recompute(province_parameters(kit), board_officer)
    compute_run_job(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    add_postings(kit, 1)
    end_of_transaction()
    return run


def outage(server, how: str) -> None:
    if how == "stopped":
        server.stop()
    else:
        server.pause()  # the port still accepts connections; nothing ever answers


@pytest.mark.parametrize("how", ["stopped", "hung"])
def test_recompute_answers_within_3_seconds_with_the_figures_still_shown(
    kit, board_officer, private_redis, stored, how
):
    outage(private_redis, how)

    started = time.monotonic()
    run, message = request_recompute(province_parameters(kit), board_officer)
    elapsed = time.monotonic() - started

    assert elapsed < 3, elapsed
    local = timezone.localtime(stored.finished_at)
    assert message == (
        f"{UNREACHABLE}số liệu đang hiển thị là lần tính gần nhất lúc {local:%H:%M} ngày {format_date(local.date())}."
        " Vui lòng thử lại sau."
    )
    # Nothing half-written: the new run is failed with the reason, nothing stays queued, the stored run is intact.
    assert run.status == RunStatus.FAILED
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "Redis" in run.error and run.results is None
    assert not StatisticsRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()
    found, changed = latest_run(user=board_officer, parameters=normalise(province_parameters(kit)))
    assert (found, changed) == (stored, True)
    assert found.results == stored.results


@pytest.mark.parametrize("how", ["stopped", "hung"])
def test_recompute_with_nothing_stored_says_so(kit, board_officer, private_redis, how):
    outage(private_redis, how)

    started = time.monotonic()
    run, message = request_recompute(province_parameters(kit), board_officer)

    assert time.monotonic() - started < 3
    assert message == (f"{UNREACHABLE}chưa có lần tính nào được lưu cho các tham số này. Vui lòng thử lại sau.")
    assert run.status == RunStatus.FAILED


def test_once_redis_is_back_the_next_request_is_queued(kit, board_officer, private_redis, stored):
    private_redis.pause()
    failed, _ = request_recompute(province_parameters(kit), board_officer)
    private_redis.resume()

    run, message = request_recompute(province_parameters(kit), board_officer)

    assert run != failed and run.status == RunStatus.QUEUED
    assert message == "Đã gửi yêu cầu tính lại; số liệu sẽ cập nhật sau ít phút."


def test_an_idle_worker_picks_up_again_once_redis_is_back(
    restore_catalogues, transactional_db, kit, board_officer, private_redis, tmp_path
):
    """The worker reconnects by itself (a worker holding unacknowledged messages when the connection drops
    exits instead, through a kombu bug; its supervisor restarts it: docs/statistics-jobs.md)."""
    from tests.statistics_jobs.test_worker_loss import Worker, status_of

    add_postings(kit, 1)
    purge_queue()  # the delayed recompute that posting scheduled: an idle worker holds nothing
    log = tmp_path / "worker.log"
    worker = Worker(private_redis.url, log, pause=0)
    try:
        wait_until(lambda: "ready." in log.read_text(errors="replace"), timeout=60)
        private_redis.stop()
        time.sleep(3)
        private_redis.start()  # same port, empty: a restarted Redis that keeps nothing on disk
        run, message = request_recompute(province_parameters(kit), board_officer)
        assert run.status == RunStatus.QUEUED, message
        wait_until(status_of(run, RunStatus.DONE), timeout=60)
    finally:
        worker.kill()
