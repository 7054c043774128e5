"""Fixtures for the leaders' summary and the Biểu 11 PDF: a small hand-built dataset with a done run, PDF tools."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

from postings.models import Posting, PostingStatus
from reports.models import RunStatus, StatisticsRun
from reports.runs import compute_run_job, normalise, parameters_key
from tests.factories import CadreFactory, DecisionFactory, TermFactory
from units.models import TermKind

D = datetime.date
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "summaries"


def summaries_urlconf() -> str | None:
    """tests.summaries.urls while the project's URLs do not include the summaries yet, else None."""
    try:
        reverse("summaries:status", kwargs={"pk": 1})
    except NoReverseMatch:
        return "tests.summaries.urls"
    return None


@pytest.fixture(autouse=True)
def summary_urls(settings):
    urlconf = summaries_urlconf()
    if urlconf:
        settings.ROOT_URLCONF = urlconf
        clear_url_caches()
    yield
    if urlconf:
        clear_url_caches()


def posting(world, n: int, *, origin, dest, direction: str, start: datetime.date, **extra) -> Posting:
    decision = DecisionFactory(symbol=f"{70 + n}-QĐ/TU", date=start, issuing_unit=world.provincial_committee)
    cadre = CadreFactory(full_name=f"Hoàng Văn Số {n}", unit=origin, **extra)
    return Posting.objects.create(
        cadre=cadre,
        decision=decision,
        origin_unit=origin,
        dest_unit=dest,
        origin_unit_name=origin.name,
        origin_title_name="Chuyên viên",
        dest_unit_name=dest.name,
        dest_title_name="Phó Chủ tịch UBND",
        start_date=start,
        planned_end=start.replace(year=start.year + 3),
        direction=direction,
        status=PostingStatus.IN_FORCE,
    )


def small_dataset(world):
    """Three rotations: two district -> commune (2018), one province -> district (2019); the 2016–2020 term."""
    term = TermFactory(kind=TermKind.PLAN, name="2016–2020", start=D(2016, 1, 1), end=D(2020, 12, 31))
    TermFactory(name="2015–2020")
    for n, start in ((1, D(2018, 3, 1)), (2, D(2018, 5, 1))):
        posting(world, n, origin=world.district_a_department, dest=world.commune_a1, direction="huyen_xa", start=start)
    posting(
        world, 3, origin=world.provincial_committee, dest=world.district_a, direction="tinh_huyen", start=D(2019, 1, 2)
    )
    return term


@pytest.fixture
def stored(world):
    term = small_dataset(world)
    parameters = normalise({"unit": world.province.pk, "term": term.pk})
    run = StatisticsRun.objects.create(
        parameters=parameters, parameters_key=parameters_key(parameters), unit=world.province
    )
    run = compute_run_job(run_id=run.pk)
    assert run.status == RunStatus.DONE
    return term, run


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_info(path: Path) -> str:
    return subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(path)], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


def page_sizes(path: Path) -> list[tuple[float, float]]:
    sizes = []
    for line in pdf_info(path).splitlines():
        if line.startswith("Page") and "size:" in line:
            parts = line.split("size:")[1].split()
            sizes.append((float(parts[0]), float(parts[2])))
    return sizes


def save_artifact(name: str, data: bytes) -> Path:
    """Keep the PDF and its pages as PNG (50 dpi) under test-artifacts/summaries/ for a look."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    for old in ARTIFACTS.glob(f"{path.stem}-*.png"):  # the pages of an earlier, longer rendering
        old.unlink()
    path.write_bytes(data)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(path.with_suffix(""))], check=False)
    return path


# The statistics jobs' worker fixtures: a real worker (a thread) on the test's own queue, the queue kept clean,
# and the catalogues the flush of a transactional test empties put back.
from tests.statistics_jobs.conftest import clean_queue, wait_until, worker  # noqa: E402, F401
