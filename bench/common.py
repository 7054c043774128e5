"""What the generator and the benchmark share: the two sizes, their databases, and Django start-up."""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field, replace

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")


@dataclass(frozen=True)
class Size:
    name: str
    database: str
    cadres: int
    postings: int


SIZES = {
    "full": Size("full", "rr_bench", 100_000, 1_000_000),
    "small": Size("small", "rr_bench_small", 5_000, 50_000),
}


def database_url(size: Size) -> str:
    return f"{SERVER_URL}/{size.database}"


def size_named(name: str, database: str | None = None) -> Size:
    """One of SIZES, on another database when asked (--database, or BENCH_DATABASE in the environment):
    a private copy to develop against while others use the shared rr_bench / rr_bench_small."""
    database = database or os.environ.get("BENCH_DATABASE")
    return replace(SIZES[name], database=database) if database else SIZES[name]


def setup_django(size: Size) -> None:
    """Start Django on the size's database (call before importing models)."""
    os.environ["DATABASE_URL"] = database_url(size)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


# --- What the document and report benchmarks share (bench.documents, bench.quarterly, bench.summaries) ---


@dataclass
class Timing:
    name: str
    timings_ms: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile, as bench.run reports them."""
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ensure_database(name: str) -> str:
    """The URL of a database of the bench's own on the server, created empty if missing."""
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"database {name} created", file=sys.stderr)
    return f"{SERVER_URL}/{name}"


def setup_database(database: str) -> None:
    """Start Django on that database (created if missing) and bring its schema up to date."""
    os.environ["DATABASE_URL"] = ensure_database(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"schema ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
