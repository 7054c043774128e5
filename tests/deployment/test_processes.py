"""docker-compose.yml's processes, started as plain processes, and a smoke test through them over real HTTP.

The same commands as scripts/docker-entrypoint.sh (gunicorn with 2 workers, a Celery worker, Celery
beat) with the production settings, against the machine's PostgreSQL (a database of this test's own,
cloned from the demo template: the demo province `make run` loads) and Redis (a database number of
this test's own, so no other test run's worker takes its jobs). The static files are collected first,
as the `web` service does. A board officer then signs in through the login form, records a posting
through the posting form, recomputes the statistics and waits for the worker, and downloads the
leaders' summary (PDF, built by the worker) and the demo plan's PDF.
"""

from __future__ import annotations

import contextlib
import os
import re
import shelve
import time
from pathlib import Path

import pytest
import redis

from tests.deployment.browser import Browser
from tests.deployment.processes import (
    BASE_DIR,
    DEMO_PASSWORD,
    Stack,
    app_environment,
    clone_database,
    collected_static,
    demo_template,
    drop_database,
    machine_database_url,
    manage,
    wait_for_worker,
    wait_until,
)

CLAIM_KEY = "rotation-registry:deployment-test"


def claim_redis_database() -> int:
    """A database number of the machine's Redis that nobody uses (a claim key, then nothing else in it)."""
    for number in range(15, 0, -1):
        client = redis.Redis(host="127.0.0.1", port=6379, db=number, socket_timeout=2)
        try:
            if client.dbsize() == 0 and client.set(CLAIM_KEY, os.getpid(), nx=True, ex=3600):
                if client.dbsize() == 1:
                    return number
                client.delete(CLAIM_KEY)
        finally:
            client.close()
    raise RuntimeError("every database of the machine's Redis holds keys: none is free for the deployment test")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    directory = tmp_path_factory.mktemp("deployment")
    server = machine_database_url()
    name = f"rr_deployment_{os.getpid()}"
    redis_db = claim_redis_database()
    stack = None
    try:
        database_url = clone_database(server, demo_template(server), name)
        env = app_environment(
            database_url=database_url,
            redis_url=f"redis://127.0.0.1:6379/{redis_db}",
            static_root=collected_static(),
            media_root=directory / "media",
        )
        manage(env, "migrate", "--noinput")  # as the `web` service does before gunicorn (nothing to apply here)
        stack = Stack(env, directory)
        stack.start_worker()
        stack.start_beat()
        stack.start_web(workers=2)
        wait_for_worker(stack.worker)
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        drop_database(server, name)
        with contextlib.closing(redis.Redis(host="127.0.0.1", port=6379, db=redis_db)) as client:
            client.flushdb()


def test_the_processes_are_the_ones_compose_starts():
    entrypoint = (BASE_DIR / "scripts" / "docker-entrypoint.sh").read_text()
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    assert "exec gunicorn rotation_registry.wsgi:application" in entrypoint
    assert "exec celery -A rotation_registry worker" in entrypoint
    assert "exec celery -A rotation_registry beat" in entrypoint
    assert "DJANGO_SETTINGS_MODULE: rotation_registry.settings.production" in compose
    for service in ("web", "worker", "beat"):
        assert re.search(rf"^  {service}:\n(?:    .*\n)*?    command: \[\"{service}\"\]", compose, re.M), service


def test_a_board_officer_records_a_posting_recomputes_and_downloads_pdfs(deployment):
    stack = deployment
    browser = Browser(stack.port)
    assert browser.get("/healthz").status == 200
    assert browser.get("/readyz").status == 200, browser.get("/readyz").text

    # Plain HTTP that did not come through the proxy is sent to HTTPS (the production settings).
    plain = browser.request("GET", "/cadres/", headers={"X-Forwarded-Proto": "http"})
    assert plain.status == 301 and plain.location.startswith("https://"), (plain.status, plain.location)

    # Sign in through the login form (CSRF cookie and token, secure session cookie).
    answer = browser.log_in("demo_board", DEMO_PASSWORD)
    assert answer.status == 302 and answer.location == "/", (answer.status, answer.messages())
    home = browser.get("/")
    assert home.status == 200 and "Đăng xuất" in home.text  # the sign-out button: signed in
    session_cookie = next(c for c in answer.headers.get_all("Set-Cookie") if c.startswith("sessionid="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie, session_cookie
    assert "Strict-Transport-Security" in home.headers
    css = re.search(r'href="(/static/css/[^"]+\.css)"', home.text).group(1)
    static = browser.get(css)
    assert static.status == 200 and re.search(r"\.[0-9a-f]{12}\.css$", css), css  # hashed, collected

    posting_id = record_posting(stack, browser)
    detail = browser.get(f"/postings/{posting_id}/")
    assert detail.status == 200 and "Lý Trung Long" in detail.text

    run_id = recompute_statistics(stack, browser)
    dashboard = browser.get("/statistics/")
    assert dashboard.status == 200 and "Dữ liệu chưa thay đổi từ lần tính này" in dashboard.text, run_id

    pdf = download_summary(stack, browser, dashboard)
    assert pdf.body.startswith(b"%PDF"), pdf.body[:20]
    assert pdf.headers["Content-Type"] == "application/pdf"

    plan = stack.scalar("SELECT id FROM plans_plan ORDER BY id LIMIT 1")
    plan_pdf = browser.get(f"/plans/{plan}/pdf/")
    assert plan_pdf.status == 200 and plan_pdf.body.startswith(b"%PDF"), (plan_pdf.status, plan_pdf.body[:200])


def record_posting(stack: Stack, browser: Browser) -> int:
    """The single-posting form: a demo cadre to the Đảng ủy xã Ba Sơn under the demo's latest decision.

    The cadre is not in the planning pool, so the form first shows that warning (nothing written), and the
    officer ticks "special case" with a reason, as the form asks.
    """
    decision = stack.scalar("SELECT id FROM postings_decision WHERE symbol = '19-QĐ/TU' AND status = 'in_force'")
    cadre = stack.scalar("SELECT id FROM cadres_cadre WHERE full_name = 'Lý Trung Long'")
    unit = stack.scalar("SELECT id FROM units_unit WHERE name = 'Đảng ủy xã Ba Sơn'")
    assert decision and cadre and unit, "the demo province has changed: pick other records here"
    before = stack.scalar("SELECT count(*) FROM postings_posting")

    page = browser.get("/postings/new/")
    assert page.status == 200, page.status
    fields = {
        "decision": decision,
        "cadre": cadre,
        "dest_unit": unit,
        "dest_title_name": "Phó Bí thư Đảng ủy xã",
        "start_date": "2025-11-01",
    }
    answer = browser.submit(page, page.form("cadre"), fields)
    assert answer.status == 200, (answer.status, answer.location)
    assert any("Chưa ghi gì vào sổ" in message for message in answer.messages()), answer.messages()
    assert stack.scalar("SELECT count(*) FROM postings_posting") == before
    form = answer.form("cadre")
    overrides = {}
    for box in [name for name in form.checkboxes if name.startswith("ov_")]:
        overrides[box] = "on"
        overrides[f"{box}_reason"] = "Ban Thường vụ Tỉnh ủy đồng ý trường hợp đặc biệt"
    assert overrides, answer.messages()
    answer = browser.submit(answer, form, overrides)
    assert answer.status == 302, (answer.status, answer.messages())
    posting_id = int(re.fullmatch(r"/postings/(\d+)/", answer.location).group(1))
    shown = browser.get(answer.location)
    assert "Đã ghi luân chuyển của cán bộ Lý Trung Long." in shown.messages(), shown.messages()
    assert stack.scalar("SELECT count(*) FROM postings_posting") == before + 1
    return posting_id


def recompute_statistics(stack: Stack, browser: Browser) -> int:
    """The dashboard's "Tính lại" button; the worker computes the run."""
    page = browser.get("/statistics/")
    assert page.status == 200, page.status
    answer = browser.submit(page, page.form("csrfmiddlewaretoken", action_contains="/statistics/recompute/"))
    assert answer.status == 302, answer.status
    shown = browser.get(answer.location)
    assert "Đã gửi yêu cầu tính lại; số liệu sẽ cập nhật sau ít phút." in shown.messages(), shown.messages()
    run_id, status = stack.query(
        "SELECT id, status FROM reports_statisticsrun WHERE trigger = 'request' ORDER BY id DESC LIMIT 1"
    )[0]
    assert status in ("queued", "running", "done"), status

    def run_done():
        status, error = stack.query("SELECT status, error FROM reports_statisticsrun WHERE id = %s", [run_id])[0]
        assert status != "failed", error
        return status == "done"

    try:
        wait_until(run_done, timeout=60, every=0.25, what=f"statistics run {run_id} done")
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{stack.logs()}") from None
    return run_id


def download_summary(stack: Stack, browser: Browser, dashboard):
    """The dashboard's "Báo cáo tóm tắt (PDF)" button: the worker builds it, the status page links it."""
    answer = browser.submit(dashboard, dashboard.form("csrfmiddlewaretoken", action_contains="/summaries/request/"))
    assert answer.status == 302 and re.fullmatch(r"/summaries/\d+/", answer.location), answer.location
    status_page = answer.location
    started = time.monotonic()
    while True:
        page = browser.get(status_page)
        assert page.status == 200
        link = re.search(r'href="(/summaries/\d+/download/)"', page.text)
        if link:
            break
        assert "failed" not in page.text and time.monotonic() - started < 60, (page.messages(), stack.logs())
        time.sleep(0.5)
    pdf = browser.get(link.group(1))
    assert pdf.status == 200, pdf.status
    return pdf


def test_beat_is_up_with_the_schedule_of_the_settings(deployment):
    beat = deployment.beat
    beat.wait_for_log("beat: Starting...", timeout=60)
    assert beat.alive()
    schedule = Path(deployment.directory / "celerybeat-schedule")

    def entries():
        try:
            with shelve.open(str(schedule), flag="r") as store:
                return set(store.get("entries", {}))
        except Exception:  # noqa: BLE001 - not written yet, or being written
            return set()

    found = wait_until(entries, timeout=30, every=0.5, what="beat wrote its schedule file")
    assert {"statistics-recompute-all", "quarterly-reports-reminders"} <= found, found
