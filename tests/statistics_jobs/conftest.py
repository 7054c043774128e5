"""Fixtures for the statistics jobs: postings to count, a real worker, a private Redis, the test queue kept clean.

Jobs run in a real Celery worker against Redis and the test database (conventions §2.11), so the
tests that use one are transactional; `restore_catalogues` refills what the flush that ends them
empties. A private `redis-server` (its own port, nothing on disk) is what the outage and
worker-loss tests stop, pause and point workers at, so the shared Redis is never touched.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection

import reports.tasks  # noqa: F401  (registers the tasks with the app before a worker starts)
from postings.models import Posting
from postings.services import posting_create
from rotation_registry.celery import app
from tests.postings import RULE_SET_DAYS, Kit, kit_fixture  # noqa: F401  (the `kit` fixture)

DAY = RULE_SET_DAYS["QD65"]  # 1/5/2023, under the current rule set
START = datetime.date(2023, 6, 1)


def province_parameters(kit: Kit) -> dict:
    return {"unit": kit.world.province.pk, "start": "2023-01-01", "end": "2023-12-31"}


def add_postings(kit: Kit, count: int) -> list[Posting]:
    """`count` postings through the service, Tỉnh ủy -> Huyện ủy An, one cadre each."""
    origin = kit.position("pho_truong_ban", kit.world.provincial_committee)
    dest = kit.position("pho_bi_thu", kit.world.district_a_committee)
    decision = kit.decision(DAY)
    return [
        posting_create(
            actor=kit.officer,
            cadre=kit.cadre(),
            decision=decision,
            dest_unit=None,
            dest_position=dest,
            origin_position=origin,
            start_date=START,
            reason="Thực hiện kế hoạch luân chuyển năm 2023",
        )
        for _ in range(count)
    ]


def end_of_transaction() -> None:
    """What a commit does to the data version, inside a test's transaction (`db` tests never commit).

    The deferred triggers fire now, and the once-per-transaction flag is cleared so the next
    "transaction" bumps the version again.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SELECT set_config('reports.data_changed', 'off', true)")


# --- The test queue ---


def queue_name() -> str:
    return app.conf.task_default_queue


def queued_messages() -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue_name())


def purge_queue() -> None:
    with contextlib.suppress(Exception), app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue_name())


@pytest.fixture(autouse=True)
def clean_queue():
    """Jobs enqueued by one test (its transaction since rolled back) must not reach the next test's worker."""
    purge_queue()
    yield
    purge_queue()


@pytest.fixture
def worker(transactional_db):
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1, loglevel="WARNING"):
        yield


def wait_until(condition, timeout: float = 30, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true after {timeout} s: {condition.__doc__ or condition}")


# --- A private Redis ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, on its own port, keeping nothing on disk."""

    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        wait_until(lambda: _pings(client), timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


def _reset_app_connections() -> None:
    """Drop the app's pooled broker connections and its cached result backend, so the next publish and
    the next result subscription connect to the Redis configured now (not a private one stopped since)."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    if getattr(app._local, "backend", None) is not None:
        del app._local.backend


@contextlib.contextmanager
def app_using(url: str):
    """Point this process's Celery app (broker and result backend) at `url` for the block."""
    before = (app.conf.broker_url, app.conf.result_backend)
    _reset_app_connections()
    app.conf.broker_url = app.conf.result_backend = url
    try:
        yield
    finally:
        _reset_app_connections()
        app.conf.broker_url, app.conf.result_backend = before


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(port=free_port())
    server.start()
    try:
        with app_using(server.url):
            yield server
    finally:
        server.stop()


def worker_environment(broker_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker subprocess: this test database, the given broker, test settings."""
    from urllib.parse import urlsplit, urlunsplit

    database = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/rotation_registry")
    database = database._replace(path="/" + connection.settings_dict["NAME"])
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="rotation_registry.settings.test",
        DATABASE_URL=urlunsplit(database),
        CELERY_BROKER_URL=broker_url,
        CELERY_RESULT_BACKEND=broker_url,
        **extra,
    )
    return env
