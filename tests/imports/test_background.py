"""Files over 2,000 rows are checked and committed by a real Celery worker, with progress on the page.

The worker runs in a thread against the real Redis (settings.CELERY_BROKER_URL, from REDIS_URL) and
the test database, so the test needs committed data: it is transactional. The flush that ends such a
test also empties the catalogue tables the migrations filled; `restore_catalogues` refills them.
"""

from __future__ import annotations

import datetime
import io
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

import imports.tasks  # noqa: F401  (registers the tasks with the app before the worker starts)
from cadres.models import Cadre
from imports.columns import COLUMNS
from imports.models import BatchStatus, ImportBatch, RowStatus
from imports.services import ASYNC_ROW_THRESHOLD
from rotation_registry.celery import app

ROWS = ASYNC_ROW_THRESHOLD + 1


@pytest.fixture
def worker(transactional_db):
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1, loglevel="WARNING"):
        yield


def big_workbook(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cán bộ")
    columns = COLUMNS["cadres"]
    sheet.append([c.header for c in columns])
    first = datetime.date(1970, 1, 1)
    for index in range(rows):
        values = {
            "personal_id": f"NEN-{index:05d}",
            "full_name": f"Hoàng Văn Nền {index}",
            "date_of_birth": (first + datetime.timedelta(days=index * 3)).strftime("%d/%m/%Y"),
            "sex": "Nam" if index % 2 else "Nữ",
            "unit": "Huyện ủy An",
        }
        sheet.append([values.get(c.key) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def wait_for(batch: ImportBatch, client, status: str, seen: list[int], timeout: float = 120) -> ImportBatch:
    """Poll the progress URL, as the page does every second, until the batch reaches `status`."""
    deadline = time.monotonic() + timeout
    url = reverse("imports:progress", args=[batch.pk])
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.without_rows().get(pk=batch.pk)
        if batch.status == status:
            return batch
        assert batch.status != BatchStatus.FAILED, batch.message
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        if response.has_header("HX-Refresh"):
            continue  # finished between the two reads
        content = response.content.decode()
        assert 'hx-trigger="every 1s"' in content
        seen.append(int(content.split('<progress max="100" value="')[1].split('"')[0]))
        time.sleep(0.2)
    raise AssertionError(f"batch still {batch.status} after {timeout} s")


def test_a_large_file_is_checked_and_committed_by_a_worker_with_progress(
    restore_catalogues, transactional_db, client, board_officer, place, worker
):
    client.force_login(board_officer)
    cadres_before = Cadre.objects.count()

    response = client.post(
        reverse("imports:start"),
        {"kind": "cadres", "file": SimpleUploadedFile("lon.xlsx", big_workbook(ROWS))},
    )

    assert response.status_code == 302
    batch = ImportBatch.objects.without_rows().get()
    assert batch.row_count == ROWS
    page = client.get(response.url).content.decode()
    assert "<progress" in page or "Đã kiểm tra" in page  # the worker may already be done
    seen: list[int] = []
    batch = wait_for(batch, client, BatchStatus.CHECKED, seen)
    assert batch.progress == 100
    assert batch.summary[RowStatus.NEW] == ROWS
    assert Cadre.objects.count() == cadres_before  # checked, not written
    done = client.get(reverse("imports:progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert done.headers["HX-Refresh"] == "true"  # the page reloads to show the preview

    assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 302
    batch = wait_for(batch, client, BatchStatus.COMMITTED, seen)

    assert batch.progress == 100
    assert all(0 <= value <= 100 for value in seen)
    assert Cadre.objects.count() == cadres_before + ROWS
    assert Cadre.objects.filter(personal_id="NEN-02000").get().unit == place.district_a_committee
    assert "Đã ghi vào sổ. 2.001 thêm mới" in client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
