"""The application as docker-compose runs it, as plain processes, and servers of a test's own.

docker-compose.yml starts three processes from one image (scripts/docker-entrypoint.sh): gunicorn
(`web`), a Celery worker (`worker`) and Celery beat (`beat`), with the production settings. The
deployment test (tests/deployment/test_processes.py) starts the same commands against the machine's
PostgreSQL and Redis; the fault tests (tests/faults/) start them against a PostgreSQL cluster and a
redis-server of their own, which they stop, pause and restart for real.

Two things are built once and kept between runs, because building them costs most of a minute on a
busy two-core machine and their inputs rarely change:

* the demo database (migrations, `load_reference_data --province 20`, `load_demo`: what `make run`
  loads) as a template database on the machine's PostgreSQL, named after a digest of the code and
  data that produce it and of today's date (the demo's reporting periods depend on it);
* the collected static files, named after a digest of the static sources, the settings and the
  requirements.

Everything else (databases cloned from the template, clusters, redis-servers, processes) belongs to
one test session and is removed when it ends.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
CACHE_DIR = Path(tempfile.gettempdir()) / "rotation-registry-test-cache"
PRODUCTION_SETTINGS = "rotation_registry.settings.production"
DEMO_PASSWORD = "rotation-demo"  # rotation_registry/demo (README: demo accounts)
TEMPLATE_PREFIX = "rr_demo_template_"
# What decides the demo database's content: the schema, the loaders and the services they write through.
# (Views, templates and settings do not; a change elsewhere that does waits for the next day's template.)
DEMO_INPUTS = (
    "*/migrations/*.py",
    "*/models.py",
    "*/models/*.py",
    "*/services.py",
    "*/rules.py",
    "*/management/commands/*.py",
    "rotation_registry/demo/*.py",
    "units/*.py",
    "requirements.txt",
)
# 64 characters, not the development default: the production settings accept it.
TEST_SECRET_KEY = "deployment-test-" + hashlib.sha256(b"rotation-registry deployment test").hexdigest()[:48]


# --- Waiting ---


def wait_until(condition: Callable[[], object], timeout: float, every: float = 0.1, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout} s: {what or condition.__doc__ or condition}")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- Processes ---


@dataclass
class Process:
    """A child process in a session (process group) of its own, its output in a log file."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str] | None = None
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_text(self, tail: int = 6000) -> str:
        try:
            return self.log.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """SIGKILL to the process and everything it started: no shutdown, no acknowledgement."""
        if self.popen is None:
            return
        self.signal_group(signal.SIGCONT)
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (gunicorn and Celery shut down warmly), then SIGKILL whatever is left of the group."""
        if self.popen is None:
            return
        if self.alive():
            self.signal_group(signal.SIGCONT)
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        self.kill()

    def children(self) -> list[int]:
        """Pids whose parent is this process (a prefork worker's pool processes)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.popen.pid:
                found.append(int(entry.name))
        return found

    def wait_for_log(self, text: str, timeout: float) -> None:
        def logged():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_text()}")
            return text in self.log_text(tail=200_000)

        try:
            wait_until(logged, timeout, every=0.2, what=f"{self.name} logged {text!r}")
        except TimeoutError as error:
            raise TimeoutError(f"{error}\n{self.log_text()}") from None

    def wait_for_port(self, port: int, timeout: float) -> None:
        def listening():
            if not self.alive():
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_text()}")
            return port_open(port)

        try:
            wait_until(listening, timeout, every=0.1, what=f"{self.name} listening on {port}")
        except TimeoutError as error:
            raise TimeoutError(f"{error}\n{self.log_text()}") from None


def stop_all(processes: Iterable[Process | None]) -> None:
    for process in processes:
        if process is not None:
            with contextlib.suppress(Exception):
                process.stop()


# --- The application's environment and commands (scripts/docker-entrypoint.sh) ---


def app_environment(
    *, database_url: str, redis_url: str, static_root: Path, media_root: Path, **extra: str
) -> dict[str, str]:
    """What docker-compose.yml gives `web`, `worker` and `beat`, for a server reached over loopback.

    The test's client plays the TLS proxy (X-Forwarded-Proto: https, see tests/deployment/browser.py),
    so the production defaults stay as they are: secure cookies, HTTPS redirect, HSTS.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION_SETTINGS,
        SECRET_KEY=TEST_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(media_root),
        FORWARDED_ALLOW_IPS="127.0.0.1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [PYTHON, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def gunicorn(env: dict[str, str], port: int, log: Path, workers: int = 2) -> Process:
    """`web`: the entrypoint's gunicorn command (its settings in gunicorn.conf.py), on a loopback port."""
    command = [str(BIN / "gunicorn"), "rotation_registry.wsgi:application", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "-"]
    return Process("gunicorn", command, log, env).start()


def celery_worker(env: dict[str, str], log: Path, concurrency: int = 2, name: str = "") -> Process:
    """`worker`: the entrypoint's Celery worker command."""
    command = [
        str(BIN / "celery"),
        "-A",
        "rotation_registry",
        "worker",
        "-l",
        "info",
        "--concurrency",
        str(concurrency),
    ]
    command += ["-n", name or f"worker-{uuid.uuid4().hex[:8]}@%h"]
    return Process("celery worker", command, log, env).start()


def celery_beat(env: dict[str, str], log: Path, schedule: Path) -> Process:
    """`beat`: the entrypoint's Celery beat command (exactly one per installation)."""
    command = [str(BIN / "celery"), "-A", "rotation_registry", "beat", "-l", "info", "--schedule", str(schedule)]
    return Process("celery beat", command, log, env).start()


def wait_for_worker(worker: Process, timeout: float = 90) -> None:
    worker.wait_for_log(" ready.", timeout)


# --- Collected static files (cached by content) ---


def _digest(paths: Iterable[Path], *extra: str) -> str:
    digest = hashlib.sha256()
    for text in extra:
        digest.update(text.encode())
    for path in sorted(paths):
        digest.update(str(path.relative_to(BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _files(*patterns: str, exclude: tuple[str, ...] = ()) -> list[Path]:
    found = set()
    for pattern in patterns:
        for path in BASE_DIR.glob(pattern):
            relative = str(path.relative_to(BASE_DIR))
            if path.is_file() and "__pycache__" not in relative and not relative.startswith(exclude):
                found.add(path)
    return list(found)


def collected_static() -> Path:
    """`manage.py collectstatic` with the production storage (hashed, compressed names), into a cached dir."""
    inputs = _files("static/**/*", "rotation_registry/settings/*.py", "requirements.txt")
    target = CACHE_DIR / f"static-{_digest(inputs)}"
    if (target / "staticfiles.json").exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="static-building-", dir=CACHE_DIR))
    env = app_environment(
        database_url="postgres://postgres@127.0.0.1:1/unused",
        redis_url="redis://127.0.0.1:1/0",
        static_root=building,
        media_root=building / "media",
    )
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    for old in CACHE_DIR.glob("static-*"):
        if old != building:
            shutil.rmtree(old, ignore_errors=True)
    building.rename(target)
    return target


# --- Databases ---


def machine_database_url() -> str:
    """The machine's PostgreSQL, as the test suite is configured (DATABASE_URL)."""
    return os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/rotation_registry"


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + name))


def _libpq(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return "postgresql://" + rest if scheme in {"postgres", "pgsql", "postgis"} else url


def connect(url: str, dbname: str | None = None) -> psycopg.Connection:
    kwargs = {"dbname": dbname} if dbname else {}
    return psycopg.connect(_libpq(url), autocommit=True, connect_timeout=5, **kwargs)


def drop_database(server_url: str, name: str) -> None:
    with connect(server_url, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _database_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def demo_template(server_url: str | None = None) -> str:
    """The name of a database holding the demo province, migrated, built on the server when missing.

    Built as `make run` builds it (migrate, load_reference_data --province 20, load_demo) with the
    production settings, into a scratch database renamed when complete, under an advisory lock so
    that two test runs do not build it twice. Templates of older code are dropped.
    """
    server_url = server_url or machine_database_url()
    inputs = _files(*DEMO_INPUTS)
    name = TEMPLATE_PREFIX + _digest(inputs, datetime.datetime.now(datetime.UTC).date().isoformat())
    with connect(server_url, "postgres") as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('rotation-registry demo template'))")
        try:
            if not _database_exists(conn, name):
                _build_template(conn, server_url, name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('rotation-registry demo template'))")
    return name


def _build_template(conn: psycopg.Connection, server_url: str, name: str) -> None:
    scratch = f"{name}_building"
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    # The loaders commit often; waiting for each commit to reach the disk buys nothing here (a clone does not
    # inherit the setting).
    conn.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(scratch)))
    with tempfile.TemporaryDirectory(prefix="rr-template-") as tmp:
        env = app_environment(
            database_url=database_url(server_url, scratch),
            # Nothing listens there: the loaders' "recompute the statistics" notes are refused at once.
            redis_url=f"redis://127.0.0.1:{free_port()}/0",
            static_root=Path(tmp) / "static",
            media_root=Path(tmp) / "media",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "load_reference_data", "--province", "20")
        manage(env, "load_demo")
    old = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"]).fetchall()
    for (stale,) in old:
        if stale != scratch:
            with contextlib.suppress(psycopg.Error):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(stale)))
    conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(scratch), sql.Identifier(name)))


def clone_database(server_url: str, template: str, name: str) -> str:
    """CREATE DATABASE name TEMPLATE template (a file copy: a second or two); returns its URL."""
    with connect(server_url, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        for attempt in range(20):
            try:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
                )
                break
            except psycopg.errors.ObjectInUse:  # another run is reading the template (pg_dump): wait
                if attempt == 19:
                    raise
                time.sleep(0.5)
    return database_url(server_url, name)


def copy_database(source_url: str, target_url: str) -> None:
    """pg_dump -Fc | pg_restore: the template into another server (a fault test's own cluster)."""
    dump = subprocess.Popen([str(PG_BIN / "pg_dump"), "-Fc", "-d", _libpq(source_url)], stdout=subprocess.PIPE)
    restore = subprocess.run(
        [str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", "-d", _libpq(target_url)],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
    )
    dump.stdout.close()
    if dump.wait() != 0 or restore.returncode != 0:
        raise RuntimeError(f"copying the demo database failed: {restore.stderr}")


# --- A PostgreSQL cluster of the test's own ---


@dataclass
class PrivatePostgres:
    """A PostgreSQL 15 cluster in a temporary directory, on its own port, run by the `postgres` user.

    fsync off: a crash of the machine may lose it, which does not matter for a test; a restart or a
    fast shutdown of the server (what the fault tests cause) behaves as with fsync on.
    """

    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgresql.log"

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str, timeout: float = 120) -> None:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ("runuser", "-u", "postgres", "--", *command)
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def init(self) -> PrivatePostgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        return self

    def _options(self) -> str:
        return (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )

    def start(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", self._options(), "-w", "start"
        )

    def restart(self) -> None:
        """Fast mode: open sessions are terminated, open transactions roll back; waits until it accepts again."""
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
            "-m", "fast", "-w", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def create_database(self, name: str) -> str:
        with connect(self.url()) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)


# --- A redis-server of the test's own ---


@dataclass
class PrivateRedis:
    """redis-server on its own port. `persistent`: the append-only file, as docker-compose.yml runs it
    (`--appendonly yes`), so jobs queued before a restart are still queued after it."""

    directory: Path
    port: int = field(default_factory=free_port)
    persistent: bool = True
    process: Process | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, **kwargs) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2, **kwargs)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "yes" if self.persistent else "no", "--dir", str(self.directory)]
        command += ["--daemonize", "no"]
        self.process = Process("redis-server", command, self.directory / "redis.log").start()
        self.process.wait_for_port(self.port, timeout=15)
        wait_until(self._pings, timeout=15, what="redis-server answers PING")

    def _pings(self) -> bool:
        try:
            client = self.client()
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """SIGTERM: redis-server writes its append-only file and exits, as `docker compose stop redis` does."""
        if self.process is not None:
            self.process.stop()
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: the port still accepts connections, and nothing ever answers (a hung server)."""
        self.process.signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.signal_group(signal.SIGCONT)

    def queue_length(self, queue: str = "celery") -> int:
        client = self.client()
        try:
            return client.llen(queue)
        finally:
            client.close()


# --- The three processes of docker-compose.yml, together ---


@dataclass
class Stack:
    """web (gunicorn), worker and beat on one environment; logs in `directory`."""

    env: dict[str, str]
    directory: Path
    port: int = field(default_factory=free_port)
    web: Process | None = None
    worker: Process | None = None
    beat: Process | None = None
    started_workers: int = 0

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    def start_web(self, workers: int = 2) -> Process:
        self.web = gunicorn(self.env, self.port, self.directory / "gunicorn.log", workers=workers)
        self.web.wait_for_port(self.port, timeout=60)
        return self.web

    def start_worker(self, concurrency: int = 2, **extra_env: str) -> Process:
        env = {**self.env, **extra_env}
        self.started_workers += 1
        log = self.directory / f"worker-{self.started_workers}.log"
        self.worker = celery_worker(env, log, concurrency=concurrency)
        return self.worker

    def start_beat(self) -> Process:
        self.beat = celery_beat(self.env, self.directory / "beat.log", self.directory / "celerybeat-schedule")
        return self.beat

    def stop(self) -> None:
        stop_all([self.beat, self.worker, self.web])

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.log_text(3000)}" for p in (self.web, self.worker, self.beat) if p)

    def query(self, statement: str, params: Iterable | None = None) -> list[tuple]:
        with connect(self.database_url) as conn:
            return conn.execute(statement, params).fetchall()

    def scalar(self, statement: str, params: Iterable | None = None):
        rows = self.query(statement, params)
        return rows[0][0] if rows else None
