"""The load test of issue 7: gunicorn with the production settings, loaded by wrk over loopback.

    python -m bench.load --size full|small [--workers 3] [--duration 20] [--warmup 5] [--connections 8]
                         [--only list,detail,floor] [--database NAME] [--json FILE]

What it does, in order:
1. the bench dataset (bench.dataset.ensure), its migrations and a prewarmed shared_buffers, as bench.run;
2. the URLs, from the dataset: filtered posting lists (province + direction + term, pages 1..5 that
   exist, for the national and the one-province officer, as bench.run's list cases), detail pages
   (posting detail and cadre page, over 1,000 ids each) and, for comparison, the floor: a signed-in
   page with only the site's layout (no budget);
3. collectstatic, and the bench users' passwords hashed with the production hasher (the generator
   hashes them with MD5, which production does not accept), both through manage.py with the
   production settings;
4. gunicorn with DJANGO_SETTINGS_MODULE=rotation_registry.settings.production on a free loopback port,
   gthread workers as in the image (gunicorn.conf.py, 4 threads), --max-requests 0 (never recycled);
5. each bench user signs in over HTTP (login form, CSRF token) for a session cookie;
6. per scenario: wrk for --warmup seconds (discarded), then for --duration seconds (measured), with
   bench/load.lua spreading the requests over the URLs; wrk has no request cap, the time is the bound.
   Meanwhile the CPU time of the workers, of their PostgreSQL backends and of wrk is read from /proc:
   per request, it says what the machine could serve were it not shared, and where the time goes;
7. each worker's resident memory (VmRSS of the master's children), then gunicorn is stopped.

Prints one row per scenario and the workers' memory, writes bench/results/<date>-load-<size>.json,
and exits 1 when a budget is missed (docs/performance.md, "Load test").
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench import dataset
from bench.common import SIZES, Size, database_url, setup_django, size_named

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA_SCRIPT = ROOT / "bench" / "load.lua"
PYTHON = sys.executable
PAGE_SIZE = 25  # rotation_registry.common.lists.DEFAULT_PAGE_SIZE
MAX_PAGE = 5
DETAIL_IDS = 1000  # postings and as many cadres
LIST_SETS = 120  # filter combinations per user
WORKER_RSS_MB = 250
PRODUCTION_SETTINGS = "rotation_registry.settings.production"
# The image's gunicorn.conf.py (read from the project folder): gthread workers with GUNICORN_THREADS threads
# (4). A "--worker-class sync" here would change nothing: gunicorn runs gthread whenever threads > 1.
# --timeout as in the image; requests never recycle a worker (--max-requests 0), so the memory read after
# the run is what a long-lived worker holds.
GUNICORN_THREADS = int(os.environ.get("GUNICORN_THREADS", "4"))
GUNICORN_OPTIONS = ["--threads", str(GUNICORN_THREADS), "--timeout", "120", "--max-requests", "0"]


@dataclass
class Budget:
    min_rps: float
    max_p95_ms: float | None = None

    def text(self) -> str:
        limit = f"≥ {self.min_rps:g} req/s"
        return limit + (f", p95 ≤ {self.max_p95_ms:g} ms" if self.max_p95_ms is not None else "") + ", 0 lỗi"


@dataclass
class Scenario:
    name: str
    key: str
    connections: int
    budget: Budget | None  # None: measured for comparison only
    urls: list[str] = field(default_factory=list)  # "<path>\t<cookie>" lines for bench/load.lua


@dataclass
class Outcome:
    scenario: str
    connections: int
    budget: str
    urls: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non2xx: int
    statuses: dict
    socket_errors: int
    verdict: str
    # CPU time per request (ms): the workers, their PostgreSQL backends, wrk itself. On a machine whose
    # other load varies these stay comparable where req/s does not, and their sum bounds the throughput.
    cpu_ms: dict = field(default_factory=dict)
    # How the page cache answered (X-Page-Cache: hit, shared-hit (from Redis) / miss / bypass, "none" for pages
    # it does not keep).
    page_cache: dict = field(default_factory=dict)

    @property
    def hit_share(self) -> str:
        """Pages served kept, in the worker's memory or from Redis (the second figure)."""
        answered = sum(self.page_cache.values())
        if not answered or set(self.page_cache) == {"none"}:
            return "—"
        local, shared = self.page_cache.get("hit", 0), self.page_cache.get("shared-hit", 0)
        return f"{100 * (local + shared) / answered:.0f} % ({100 * shared / answered:.0f} % Redis)"

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors


# --- The URLs, from the dataset (Django on bench.settings, in this process) ---


def list_params(rng, cat) -> dict[str, list[dict]]:
    """Filter sets of bench.run's first two list cases per user, each with a page 1..5 that exists."""
    from django.http import QueryDict

    from accounts.models import User
    from postings.selectors import posting_list
    from units.models import Term

    pre_2025 = [t for t in cat.congress_terms + cat.plan_terms if Term.objects.get(pk=t).end.year <= 2025]
    units = {"national": cat.legacy_provinces, "province": cat.local_units}
    chosen: dict[str, list[dict]] = {}
    for who, unit_ids in units.items():
        user = User.objects.get(username=f"bench_{who}")
        chosen[who] = []
        for _ in range(LIST_SETS):
            params = {
                "unit": rng.choice(unit_ids),
                "direction": rng.choice(cat.directions),
                "term": rng.choice(pre_2025),
                "sort": "-start",
            }
            query = QueryDict(mutable=True)
            query.update(params)
            matched = posting_list(user=user, params=query)[1][: MAX_PAGE * PAGE_SIZE].count()
            if matched:  # an empty filter is a cheap page, not what a user pages through
                pages = min(MAX_PAGE, math.ceil(matched / PAGE_SIZE))
                chosen[who].append({**params, "page": str(rng.randint(1, pages))})
    return chosen


def detail_paths() -> list[str]:
    """Posting and cadre pages over DETAIL_IDS ids each, chosen at random but the same every run."""
    from django.db import connection
    from django.urls import reverse

    paths = []
    with connection.cursor() as cursor:
        for table, route in (("postings_posting", "postings:detail"), ("cadres_cadre", "cadres:detail")):
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(f"SELECT id FROM {table} ORDER BY random() LIMIT %s", [DETAIL_IDS])  # noqa: S608
            paths += [reverse(route, args=[row[0]]) for row in cursor.fetchall()]
    return paths


def scenarios(rng, connections: int, detail_connections: int) -> list[Scenario]:
    from django.urls import reverse

    from bench.run import catalogue

    cat = catalogue(rng)
    listed = Scenario("DS luân chuyển lọc tỉnh + hướng + nhiệm kỳ, trang 1–5", "list", connections, Budget(150, 100))
    for who, sets in list_params(rng, cat).items():
        listed.urls += [f"{reverse('postings:list')}?{urlencode(p)}\t{{{who}}}" for p in sets]
    detail = Scenario("Trang chi tiết: luân chuyển và cán bộ", "detail", detail_connections, Budget(300))
    detail.urls = [f"{path}\t{{national}}" for path in detail_paths()]
    for scenario in (listed, detail):
        rng.shuffle(scenario.urls)
    # The floor: a signed-in page with the site's layout and nothing else (session, user, middleware, base
    # template), as bench.run compares each page with a trivial view. What a page costs above it is its own.
    floor = Scenario("Mốc sàn: trang đăng nhập rỗng (layout + phiên)", "floor", connections, None)
    floor.urls = [f"{reverse('password_change_done')}\t{{national}}"]
    return [listed, detail, floor]


# --- gunicorn with the production settings ---


def production_environment(size: Size, settings: str = PRODUCTION_SETTINGS) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PG"))}
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        SECRET_KEY=secrets.token_urlsafe(64),  # a fresh 86-character key: sessions live for this run only
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(size),
        LOG_LEVEL="WARNING",  # the access log is gunicorn's; Django logs what goes wrong
        PYTHONUNBUFFERED="1",
    )
    return env


# Pages a previous run left in Redis (common/shared_pages.py, kept 15 minutes) would be served to this run's
# first requests: every run starts with none.
_FORGET_SHARED_PAGES = """
from django.core.cache import caches
from rotation_registry.common.shared_pages import SHARED_PAGE_CACHE
client = caches[SHARED_PAGE_CACHE]._cache.get_client(write=True)
print("forgot", sum(client.delete(key) for key in client.scan_iter("rr-page:*")), "shared pages")
"""


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} (production settings) failed:\n{done.stderr[-3000:]}")
    return done.stdout


# Runs inside `manage.py shell` with the production settings: the bench users' password hashed with the
# production default hasher, unless it already verifies (then nothing is written).
_REHASH = f"""
from accounts.models import User
for user in User.objects.filter(username__in={list(dataset.BENCH_USERS)!r}):
    if not user.check_password({dataset.BENCH_PASSWORD!r}):
        user.set_password({dataset.BENCH_PASSWORD!r})
        user.save(update_fields=["password"])
        print("rehashed", user.username)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn in its own session, so that stopping it reaches the workers too."""

    def __init__(self, env: dict[str, str], workers: int, logs: Path) -> None:
        self.port = free_port()
        self.log = logs / "gunicorn.log"
        command = [
            str(Path(PYTHON).with_name("gunicorn")),
            "rotation_registry.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            *GUNICORN_OPTIONS,
            "--forwarded-allow-ips",
            "127.0.0.1",
            "--access-logfile",
            str(logs / "access.log"),
            # gunicorn's control socket defaults to one path per user: another server (a test's) may hold it.
            "--no-control-socket",
        ]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                status, _, _ = self.get("/accounts/login/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:]

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            # As the TLS proxy in front of gunicorn sends it (SECURE_PROXY_SSL_HEADER in production).
            sent = {"X-Forwarded-Proto": "https", **(headers or {})}
            connection.request(method, path, body=body or None, headers=sent)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def get(self, path: str, cookie: str = ""):
        return self.request("GET", path, headers={"Cookie": cookie} if cookie else {})

    def worker_pids(self) -> list[int]:
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        if children.exists():
            return [int(pid) for pid in children.read_text().split()]
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                    found.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- CPU accounting ---

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_ms(pid: int) -> float | None:
    """utime + stime of a process, or None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


def postgres_backends(worker_pids: list[int]) -> list[int]:
    """The PostgreSQL server processes serving these workers: their sockets' local ports are the
    backends' client_port in pg_stat_activity."""
    from django.db import connection

    inodes = set()
    for pid in worker_pids:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            if columns[9] in inodes:
                ports.add(int(columns[1].rsplit(":", 1)[1], 16))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, client_port FROM pg_stat_activity WHERE client_port IS NOT NULL")
        return [pid for pid, port in cursor.fetchall() if port in ports]


class CpuMeter:
    """CPU used during a block by the gunicorn workers, their PostgreSQL backends and wrk (a child of this
    process). Sampled every half second: a connection closed and reopened in between (CONN_MAX_AGE)
    loses at most its last half second, and a new backend is counted from its first sample."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.first: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres": {}}
        self.last: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres": {}}
        self.stopping = threading.Event()

    def sample(self) -> None:
        workers = self.server.worker_pids()
        for group, pids in (("gunicorn", workers), ("postgres", postgres_backends(workers))):
            for pid in pids:
                used = process_cpu_ms(pid)
                if used is not None:
                    self.first[group].setdefault(pid, used)
                    self.last[group][pid] = used

    def _loop(self) -> None:
        while not self.stopping.wait(0.5):
            self.sample()

    def __enter__(self) -> CpuMeter:
        self.children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.sample()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()
        self.sample()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = self.children_before
        self.wrk_ms = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000

    def used_ms(self) -> dict[str, float]:
        used = {
            group: sum(self.last[group][pid] - self.first[group][pid] for pid in self.last[group])
            for group in ("gunicorn", "postgres")
        }
        return {**used, "wrk": self.wrk_ms}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(server: Server, username: str) -> str:
    """The Cookie header of a session opened through the login form, as a browser would."""
    status, headers, body = server.get("/accounts/login/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None:
        raise RuntimeError(f"login page: HTTP {status}, CSRF token {'found' if token else 'missing'}")
    origin = f"https://127.0.0.1:{server.port}"  # https: the forwarded protocol says the request is secure
    form = urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": dataset.BENCH_PASSWORD}
    )
    status, headers, _ = server.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
    )
    cookies.update(_cookies(headers))
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if status != 302 or server.get("/", cookie)[0] != 200:
        raise RuntimeError(f"{username} could not sign in (HTTP {status}):\n{server.log_tail()}")
    return cookie


# --- wrk ---


def wrk(server: Server, url_file: Path, connections: int, seconds: float) -> dict:
    command = [
        "wrk",
        "--threads",
        "1",  # one event loop keeps up with a few hundred requests/s and leaves the cores to the server
        "--connections",
        str(connections),
        "--duration",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "--script",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{server.port}",
        "--",
        str(url_file),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("LOAD_RESULT ")), None)
    if done.returncode or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(line.removeprefix("LOAD_RESULT "))


def run_scenario(server: Server, scenario: Scenario, cookies: dict[str, str], args, logs: Path) -> Outcome:
    url_file = logs / f"{scenario.key}.urls"
    url_file.write_text("\n".join(line.format(**cookies) for line in scenario.urls) + "\n")
    if args.warmup > 0:
        wrk(server, url_file, scenario.connections, args.warmup)
    with CpuMeter(server) as meter:
        raw = wrk(server, url_file, scenario.connections, args.duration)
    seconds = raw["duration_us"] / 1e6
    socket_errors = raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"]
    rps = raw["requests"] / seconds
    p95 = raw["p95_us"] / 1000
    budget = scenario.budget
    missed = (
        (budget is not None and rps < budget.min_rps)
        or (budget is not None and budget.max_p95_ms is not None and p95 > budget.max_p95_ms)
        or raw["non2xx"]
        or socket_errors
    )
    outcome = Outcome(
        scenario=scenario.name,
        connections=scenario.connections,
        budget=budget.text() if budget is not None else "— (so sánh), 0 lỗi",
        urls=len(scenario.urls),
        requests=raw["requests"],
        seconds=round(seconds, 1),
        rps=round(rps, 1),
        p50_ms=round(raw["p50_us"] / 1000, 1),
        p95_ms=round(p95, 1),
        p99_ms=round(raw["p99_us"] / 1000, 1),
        max_ms=round(raw["max_us"] / 1000, 1),
        non2xx=raw["non2xx"],
        statuses=raw["statuses"],
        socket_errors=socket_errors,
        verdict="FAIL" if missed else ("PASS" if budget is not None else "—"),
        cpu_ms={name: round(ms / max(raw["requests"], 1), 2) for name, ms in meter.used_ms().items()},
        page_cache=raw.get("page_cache", {}),
    )
    print(
        f"  {outcome.scenario}: {outcome.rps} req/s, p50 {outcome.p50_ms} ms, p95 {outcome.p95_ms} ms, "
        f"p99 {outcome.p99_ms} ms, errors {outcome.errors}, page cache hits {outcome.hit_share} -> {outcome.verdict}; "
        f"{cpu_text(outcome.cpu_ms)}",
        file=sys.stderr,
        flush=True,
    )
    return outcome


def cpu_text(per_request: dict) -> str:
    """The CPU per request, and the throughput the machine's cores could give at that cost."""
    total = sum(per_request.values())
    parts = ", ".join(f"{name} {ms:.1f}" for name, ms in per_request.items())
    cores = os.cpu_count() or 1
    ceiling = f" -> at most ~{cores * 1000 / total:.0f} req/s on {cores} cores" if total else ""
    return f"CPU per request: {parts} ms{ceiling}"


# --- Output ---


def table(outcomes: list[Outcome], memory: dict[int, float]) -> str:
    headers = ["Kịch bản", "Kết nối", "req/s", "p50", "p95", "p99", "Lỗi", "Trúng cache", "Ngân sách", "Kết quả"]
    rows = [
        [
            o.scenario,
            str(o.connections),
            f"{o.rps:.1f}",
            f"{o.p50_ms:.1f} ms",
            f"{o.p95_ms:.1f} ms",
            f"{o.p99_ms:.1f} ms",
            str(o.errors) + (f" {o.statuses}" if o.statuses else ""),
            o.hit_share,
            o.budget,
            o.verdict,
        ]
        for o in outcomes
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.append("")
    lines += [f"{o.scenario}: {cpu_text(o.cpu_ms)}" for o in outcomes]
    verdict = "PASS" if memory and max(memory.values()) <= WORKER_RSS_MB else "FAIL"
    each = ", ".join(f"{mb:.0f} MB" for mb in memory.values())
    lines.append("")
    lines.append(f"RSS của worker sau khi chạy (ngân sách ≤ {WORKER_RSS_MB} MB mỗi worker): {each} -> {verdict}")
    return "\n".join(lines)


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        "?",
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout.split()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory,
        "postgresql": postgres,
        "shared_buffers": buffers,
        "wrk": wrk_version[1] if len(wrk_version) > 1 else "?",
    }


def _load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument(
        "--workers",
        type=int,
        default=3,
        help="gunicorn workers (gthread, GUNICORN_THREADS threads each; 3 as in the image)",
    )
    parser.add_argument("--duration", type=float, default=20, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before each measurement")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections for the posting list")
    parser.add_argument("--detail-connections", type=int, default=8, help="concurrent connections for detail pages")
    parser.add_argument("--only", default="", help="comma-separated subset of list,detail,floor")
    parser.add_argument("--json", help="where to write the results (default bench/results/<date>-load-<size>.json)")
    parser.add_argument(
        "--database", help="the dataset's database (default: rr_bench / rr_bench_small, or BENCH_DATABASE)"
    )
    parser.add_argument(
        "--settings",
        default=PRODUCTION_SETTINGS,
        help="another settings module built on the production one, to compare a configuration",
    )
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="every page built (PAGE_CACHE_ENABLED=False): what a request costs when no kept page serves it",
    )
    parser.add_argument(
        "--no-shared-page-cache",
        action="store_true",
        help="pages kept in each worker's memory only (PAGE_CACHE_SHARED=False): no second level in Redis",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: run scripts/ensure-bench-packages.sh (make load does)", file=sys.stderr)
        return 2
    size = size_named(args.size, args.database)

    import random

    from bench.run import migrate_quietly, prewarm

    marker = dataset.ensure(size)
    setup_django(size)
    migrate_quietly()
    prewarm()
    started = time.monotonic()
    chosen = scenarios(random.Random(args.seed), args.connections, args.detail_connections)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    chosen = [s for s in chosen if not only or s.key in only]
    print(f"URLs chosen in {time.monotonic() - started:.1f} s", file=sys.stderr)
    env = production_environment(size, args.settings)
    if args.no_page_cache:
        env["PAGE_CACHE_ENABLED"] = "False"
    if args.no_shared_page_cache:
        env["PAGE_CACHE_SHARED"] = "False"
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    for line in manage(env, "shell", "--command", _REHASH + _FORGET_SHARED_PAGES).splitlines():
        if line.startswith(("rehashed", "forgot")):
            print(line, file=sys.stderr)

    logs = Path(tempfile.mkdtemp(prefix=f"rr-load-{size.name}-"))
    server = Server(env, args.workers, logs)
    try:
        server.wait_ready()
        cookies = {name.removeprefix("bench_"): sign_in(server, name) for name in dataset.BENCH_USERS}
        print(
            f"gunicorn on 127.0.0.1:{server.port}, {args.workers} workers (logs in {logs}); "
            f"{size.database}: {marker['cadres']:,} cadres, {marker['postings']:,} postings",
            file=sys.stderr,
        )
        load_before = _load()
        outcomes = [run_scenario(server, s, cookies, args, logs) for s in chosen]
        load_after = _load()
        memory = {pid: rss_mb(pid) for pid in server.worker_pids()}
    finally:
        server.stop()

    facts = machine()
    print()
    print(
        f"Kích thước: {size.name} — {marker['cadres']:,} cán bộ, {marker['postings']:,} luân chuyển; gunicorn "
        f"{args.workers} worker × {GUNICORN_THREADS} luồng (gthread), wrk 1 luồng, "
        f"{args.warmup:g} s khởi động + {args.duration:g} s đo mỗi "
        f"kịch bản; settings {args.settings}; "
        f"{facts['cores']} nhân, tải máy lúc bắt đầu {load_before}, lúc kết thúc {load_after}"
    )
    print(table(outcomes, memory))
    rss_ok = bool(memory) and max(memory.values()) <= WORKER_RSS_MB
    today = datetime.datetime.now().astimezone().date().isoformat()
    path = Path(args.json) if args.json else RESULTS / f"{today}-load-{size.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "size": size.name,
                "dataset": {k: str(v) for k, v in marker.items()},
                "settings": args.settings,
                "workers": args.workers,
                "page_cache": not args.no_page_cache,
                "gunicorn_options": GUNICORN_OPTIONS,
                "warmup_s": args.warmup,
                "duration_s": args.duration,
                "load_before": load_before,
                "load_after": load_after,
                "machine": facts,
                "scenarios": [asdict(o) for o in outcomes],
                "worker_rss_mb": {str(pid): round(mb, 1) for pid, mb in memory.items()},
                "worker_rss_budget_mb": WORKER_RSS_MB,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\n(JSON: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})")
    return 0 if rss_ok and all(o.verdict != "FAIL" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
