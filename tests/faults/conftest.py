"""One deployment for all the fault tests, on servers of their own that they stop, pause and restart for real.

A PostgreSQL 15 cluster in a temporary directory (its own port) holding a copy of the demo province,
a redis-server on its own port with the append-only file docker-compose.yml gives Redis, and the
processes of docker-compose.yml: gunicorn (2 workers) and a Celery worker with the production
settings. Nothing here touches the machine's PostgreSQL except to read the demo template it copies.

Every test leaves the deployment as it found it (servers up, one worker running), so the session
fixture is built once (about 15 s once the template and the static files are cached).
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deployment.browser import Browser, Response
from tests.deployment.processes import (
    DEMO_PASSWORD,
    PrivatePostgres,
    PrivateRedis,
    Stack,
    app_environment,
    collected_static,
    copy_database,
    database_url,
    demo_template,
    machine_database_url,
    wait_for_worker,
    wait_until,
)

# The list pages a board officer opens all day.
LIST_PAGES = ("/cadres/", "/postings/", "/postings/decisions/", "/units/")


@dataclass
class Faults:
    stack: Stack
    postgres: PrivatePostgres
    redis: PrivateRedis

    def browser(self, username: str = "demo_board", client_ip: str = "198.51.100.10") -> Browser:
        browser = Browser(self.stack.port, client_ip=client_ip)
        answer = browser.log_in(username, DEMO_PASSWORD)
        assert answer.status == 302, (answer.status, answer.messages())
        return browser

    def restart_worker(self, **extra_env: str) -> None:
        """Stop the worker warmly (if it runs) and start a new one, waiting until it is ready."""
        if self.stack.worker is not None:
            self.stack.worker.stop()
        self.stack.start_worker(**extra_env)
        wait_for_worker(self.stack.worker)

    def run_status(self, run_id: int) -> tuple[str, int, str]:
        return self.stack.query("SELECT status, attempts, error FROM reports_statisticsrun WHERE id = %s", [run_id])[0]

    def wait_for_run(self, run_id: int, status: str = "done", timeout: float = 60) -> None:
        def reached():
            current, _attempts, error = self.run_status(run_id)
            if current == "failed" and status != "failed":
                raise AssertionError(f"run {run_id} failed: {error}")
            return current == status

        try:
            wait_until(reached, timeout, every=0.2, what=f"statistics run {run_id} is {status}")
        except TimeoutError as error:
            raise AssertionError(f"{error}\n{self.stack.logs()}") from None

    def unit_id(self, name: str) -> int:
        found = self.stack.scalar("SELECT id FROM units_unit WHERE name = %s ORDER BY id LIMIT 1", [name])
        assert found, f"no unit {name!r} in the demo province"
        return found


@pytest.fixture(scope="session")
def faults(tmp_path_factory):
    directory = tmp_path_factory.mktemp("faults")
    # Not under pytest's temporary directory: that is private to root, and the server runs as `postgres`.
    postgres = PrivatePostgres(Path(tempfile.mkdtemp(prefix="rr-faults-postgres-")))
    redis_server = PrivateRedis(directory / "redis")
    stack = None
    try:
        postgres.init().start()
        url = postgres.create_database("rotation_registry")
        server = machine_database_url()
        copy_database(database_url(server, demo_template(server)), url)
        redis_server.start()
        env = app_environment(
            database_url=url,
            redis_url=redis_server.url(),
            static_root=collected_static(),
            media_root=directory / "media",
        )
        stack = Stack(env, directory / "app")
        stack.start_worker()
        stack.start_web(workers=2)
        wait_for_worker(stack.worker)
        Browser(stack.port).get("/healthz")  # the workers have imported the application
        yield Faults(stack, postgres, redis_server)
    finally:
        if stack is not None:
            stack.stop()
        redis_server.stop()
        postgres.stop()
        shutil.rmtree(postgres.directory, ignore_errors=True)


# --- Measuring pages ---


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def load_pages(browser: Browser, paths=LIST_PAGES, rounds: int = 1) -> list[Response]:
    answers = []
    for _ in range(rounds):
        for path in paths:
            answer = browser.get(path)
            assert answer.status == 200, (path, answer.status, answer.text[:500])
            answers.append(answer)
    return answers


def messages_after(browser: Browser, answer: Response) -> list[str]:
    """The messages shown on the page a POST redirected to."""
    assert answer.status == 302, (answer.status, answer.messages())
    return browser.get(answer.location).messages()


def press(browser: Browser, page_path: str, action: str) -> tuple[Response, float]:
    """Open a page and press the button of the form posting to `action`; the POST's answer and its duration."""
    page = browser.get(page_path)
    assert page.status == 200, page.status
    started = time.perf_counter()
    answer = browser.submit(page, page.form("csrfmiddlewaretoken", action_contains=action))
    return answer, time.perf_counter() - started


def latest_id(stack: Stack, table: str) -> int:
    assert re.fullmatch(r"[a-z_]+", table)
    return stack.scalar(f"SELECT max(id) FROM {table}") or 0  # noqa: S608 - a table name checked above
