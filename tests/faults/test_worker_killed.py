"""A Celery worker killed (SIGKILL, the worker and its pool processes) in the middle of a statistics job.

The job was acknowledged late (CELERY_TASK_ACKS_LATE), so its message stays in Redis's unacked set;
once the visibility timeout has passed, the next worker puts it back in the queue and runs it. The
run is claimed with a conditional UPDATE and its results stored by a transaction only a still-running
run passes, so it completes once: one run row, done, two attempts, nothing left in Redis.

The kill must land while the job runs: its first attempt waits after claiming the run
(RR_STATISTICS_TEST_PAUSE, the test-only hook of reports.runs). The visibility timeout is 5 s here
(CELERY_VISIBILITY_TIMEOUT; 35 min in production, longer than any job).
"""

from __future__ import annotations

import time

from tests.faults.conftest import latest_id, messages_after, press

VISIBILITY_TIMEOUT = 5
SHORT = {
    "RR_STATISTICS_TEST_PAUSE": "60",
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
}


def holds(client, task_id: str) -> tuple[int, int]:
    """How many copies of the job Redis holds: delivered but not acknowledged, and waiting in the queue."""
    unacked = sum(task_id.encode() in value for value in client.hvals("unacked"))
    queued = sum(task_id.encode() in value for value in client.lrange("celery", 0, -1))
    return unacked, queued


def test_a_job_whose_worker_is_killed_completes_exactly_once_after_a_new_worker_starts(faults):
    stack, redis_server = faults.stack, faults.redis
    browser = faults.browser()
    unit = faults.unit_id("Huyện Cao Lộc")
    # Only this test's job may reach the paused worker: drop the recomputes that earlier tests' writes
    # scheduled (other figures than these; a delayed one sits in "unacked" until its time comes).
    stack.worker.stop()
    redis_server.client().delete("celery", "unacked", "unacked_index")
    faults.restart_worker(**SHORT)
    try:
        answer, _took = press(browser, f"/statistics/?unit={unit}", "/statistics/recompute/")
        messages_after(browser, answer)
        run = latest_id(stack, "reports_statisticsrun")
        key, task_id = stack.query("SELECT parameters_key, task_id FROM reports_statisticsrun WHERE id = %s", [run])[0]
        faults.wait_for_run(run, "running")

        stack.worker.kill()
        killed = time.monotonic()
        assert faults.run_status(run)[:2] == ("running", 1)
        client = redis_server.client()
        assert holds(client, task_id) == (1, 0)  # the killed worker's job: delivered, not acknowledged

        # The message comes back once the visibility timeout has passed since its delivery.
        time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - killed)))
        faults.restart_worker(**SHORT)
        faults.wait_for_run(run, "done")

        assert faults.run_status(run)[:2] == ("done", 2)  # the killed attempt and the one that finished
        runs = stack.query(
            "SELECT status, results IS NOT NULL FROM reports_statisticsrun WHERE parameters_key = %s", [key]
        )
        assert runs == [("done", True)], runs  # one run for these figures: no duplicate
        time.sleep(1.5)  # a second delivery, if there were one, would have started by now
        assert faults.run_status(run)[:2] == ("done", 2)
        assert holds(client, task_id) == (0, 0)  # acknowledged: it will not come back
        dashboard = browser.get(f"/statistics/?unit={unit}")
        assert "Dữ liệu chưa thay đổi từ lần tính này" in dashboard.text
    finally:
        faults.restart_worker()  # the deployment's usual worker, without the test settings
