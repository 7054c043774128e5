"""What the generator and the benchmark share: the two sizes, their databases, and Django start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass

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


def setup_django(size: Size) -> None:
    """Start Django on the size's database (call before importing models)."""
    os.environ["DATABASE_URL"] = database_url(size)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
