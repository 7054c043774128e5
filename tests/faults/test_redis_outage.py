"""Redis stopped, then Redis hung (SIGSTOP): pages load as usual, job buttons answer within 3 s in Vietnamese,
and the jobs queued before the outage run once Redis is back.

The Redis is the fault deployment's own redis-server (conftest), with the append-only file of
docker-compose.yml: stopped with SIGTERM as `docker compose stop redis` does, started again on the
same port and directory.
"""

from __future__ import annotations

import time

from tests.faults.conftest import LIST_PAGES, latest_id, load_pages, messages_after, press

QUEUE_DOWN = "Không kết nối được hàng đợi tính toán (Redis); "
SUMMARY_DOWN = "Không kết nối được hàng đợi (Redis) nên chưa dựng được báo cáo tóm tắt. Vui lòng thử lại sau."
QUEUED = "Đã gửi yêu cầu tính lại; số liệu sẽ cập nhật sau ít phút."
JOB_ANSWER_LIMIT = 3.0  # seconds (issue 8)


def normal_page_times(browser) -> dict[str, float]:
    """The slowest of three loads of each list page with everything up."""
    answers = load_pages(browser, rounds=3)
    return {path: max(a.elapsed for a in answers if a.url == path) for path in LIST_PAGES}


def assert_pages_load_as_usual(browser, normal: dict[str, float]) -> None:
    for answer in load_pages(browser):
        # "As usual": within twice the slowest normal load, plus 0.3 s for a busy two-core machine.
        limit = 2 * normal[answer.url] + 0.3
        assert answer.elapsed < limit, (answer.url, round(answer.elapsed, 3), round(limit, 3))


def assert_job_buttons_fail_fast(faults, browser, unit: int) -> None:
    """The statistics "Tính lại" and the summary "Báo cáo tóm tắt (PDF)" buttons, for figures not queued yet."""
    before = latest_id(faults.stack, "reports_statisticsrun")
    answer, took = press(browser, f"/statistics/?unit={unit}", "/statistics/recompute/")
    assert took < JOB_ANSWER_LIMIT, took
    shown = messages_after(browser, answer)
    assert any(message.startswith(QUEUE_DOWN) and "Vui lòng thử lại sau." in message for message in shown), shown
    # Nothing left "queued" that no worker will ever see: the new run is failed, with the reason.
    status, _attempts, error = faults.stack.query(
        "SELECT status, attempts, error FROM reports_statisticsrun WHERE id > %s ORDER BY id DESC LIMIT 1", [before]
    )[0]
    assert status == "failed" and "Redis" in error, (status, error)

    answer, took = press(browser, f"/statistics/?unit={unit}", "/summaries/request/")
    assert took < JOB_ANSWER_LIMIT, took
    shown = messages_after(browser, answer)
    assert SUMMARY_DOWN in shown, shown


def test_with_redis_stopped_pages_load_buttons_fail_fast_and_queued_jobs_run_once_it_is_back(faults):
    stack, redis_server = faults.stack, faults.redis
    browser = faults.browser()
    normal = normal_page_times(browser)

    # A job queued while no worker runs (a worker restarting, or busy): it waits in Redis.
    stack.worker.stop()
    answer, _took = press(browser, f"/statistics/?unit={faults.unit_id('Huyện Tràng Định')}", "/statistics/recompute/")
    assert QUEUED in messages_after(browser, answer)
    queued_run = latest_id(stack, "reports_statisticsrun")
    assert faults.run_status(queued_run)[0] == "queued"
    assert redis_server.queue_length() >= 1  # with, maybe, the recompute that earlier tests' writes scheduled

    redis_server.stop()
    try:
        assert_pages_load_as_usual(browser, normal)
        assert_job_buttons_fail_fast(faults, browser, faults.unit_id("Huyện Bình Gia"))
        ready = browser.get("/readyz")
        assert ready.status == 503 and "broker" in ready.text, (ready.status, ready.text)
    finally:
        redis_server.start()  # same port, same append-only file

    faults.restart_worker()
    faults.wait_for_run(queued_run)
    assert faults.run_status(queued_run)[1] == 1  # computed once
    assert browser.get("/readyz").status == 200


def test_with_redis_hung_pages_load_buttons_fail_fast_and_the_worker_carries_on(faults):
    stack, redis_server = faults.stack, faults.redis
    browser = faults.browser()
    normal = normal_page_times(browser)
    worker_pid = stack.worker.pid

    redis_server.pause()
    try:
        started = time.monotonic()
        assert_pages_load_as_usual(browser, normal)
        assert_job_buttons_fail_fast(faults, browser, faults.unit_id("Huyện Văn Lãng"))
        time.sleep(max(0.0, 3 - (time.monotonic() - started)))  # hung for a few seconds at least
    finally:
        redis_server.resume()

    # The same worker (not restarted) takes the next job once Redis answers again.
    answer, _took = press(browser, f"/statistics/?unit={faults.unit_id('Huyện Văn Lãng')}", "/statistics/recompute/")
    assert QUEUED in messages_after(browser, answer)
    faults.wait_for_run(latest_id(stack, "reports_statisticsrun"))
    assert stack.worker.alive() and stack.worker.pid == worker_pid
