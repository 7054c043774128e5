"""The leaders' summary, built by a real Celery worker: request -> done -> the PDF; reuse; scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import RunStatus, StatisticsRun, SummaryDocument
from reports.summaries import build_summary_job, request_summary
from tests.summaries.conftest import page_sizes, pdf_fonts, pdf_text, save_artifact, small_dataset, wait_until


def finished(doc: SummaryDocument) -> SummaryDocument:
    def is_finished():
        """the summary is built"""
        doc.refresh_from_db()
        return doc.is_finished

    wait_until(is_finished, timeout=120)
    return doc


@pytest.fixture
def dataset(restore_catalogues, transactional_db, world):
    term = small_dataset(world)
    return {"unit": world.province.pk, "term": term.pk}


def test_a_requested_summary_is_built_by_a_worker_and_reused(dataset, board_officer, worker, tmp_path):
    assert not StatisticsRun.objects.exists()  # no statistics yet: the job computes them first
    doc, message = request_summary(dataset, board_officer)
    assert message == "Đã gửi yêu cầu dựng báo cáo tóm tắt; thường mất dưới một phút."
    doc = finished(doc)
    assert doc.status == RunStatus.DONE, doc.error
    assert doc.progress == 100 and doc.pages and doc.pages >= 3
    assert doc.run is not None and doc.run.status == RunStatus.DONE and doc.fingerprint == doc.run.fingerprint
    assert doc.file.name.startswith("summaries/")

    path = save_artifact("summary-small.pdf", doc.file.open("rb").read())
    text = " ".join(pdf_text(path).split())
    for expected in (
        "TỈNH ỦY THỬ",
        "BAN TỔ CHỨC",
        "BÁO CÁO TÓM TẮT",
        "có tổng số 3 lượt cán bộ luân chuyển",
        "Biểu số 11-BTCTW",
        "PHỤ LỤC II",
        "Hoàng Văn Số 3",
        "TRƯỞNG BAN",
    ):
        assert expected in text, expected
    sizes = page_sizes(path)
    assert sizes[0][0] < sizes[0][1]  # the report itself is portrait
    assert any(width > height for width, height in sizes)  # Biểu 11 and the list on landscape pages
    assert all("Liberation" in row for row in pdf_fonts(path).splitlines()[2:] if row.strip())

    # Unchanged data: the same document again, nothing queued.
    again, message = request_summary(dataset, board_officer)
    assert again.pk == doc.pk
    assert "đã có" in message
    # The job delivered twice leaves one document and one file.
    assert build_summary_job(doc.pk) is None
    assert SummaryDocument.objects.count() == 1


def test_only_users_whose_scope_covers_the_summary_read_it(dataset, board_officer, leader, office_b, client):
    doc, _message = request_summary(dataset, board_officer)
    build_summary_job(doc.pk)  # the job's body, here (its worker is tested above)
    doc.refresh_from_db()
    assert doc.status == RunStatus.DONE, doc.error
    status, download = reverse("summaries:status", args=[doc.pk]), reverse("summaries:download", args=[doc.pk])

    client.force_login(leader)
    assert client.get(status).status_code == 200
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    client.force_login(office_b)  # Huyện Bình's office: the province's summary is not theirs
    assert client.get(status).status_code == 404
    assert client.get(download).status_code == 404


def test_the_dashboard_button_queues_a_summary_and_shows_its_status(dataset, leader, client, worker):
    client.force_login(leader)
    response = client.post(reverse("summaries:request"), dataset)
    doc = SummaryDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("summaries:status", args=[doc.pk])
    finished(doc)
    page = client.get(response["Location"]).content.decode()
    assert "Tải báo cáo tóm tắt (PDF)" in page


def test_a_unit_outside_the_scope_cannot_be_asked_for(dataset, office_b, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        request_summary({**dataset, "unit": world.district_a.pk}, office_b)


def test_with_redis_down_the_request_fails_fast_with_a_message(world, board_officer):
    import time

    from tests.statistics_jobs.conftest import app_using, free_port

    term = small_dataset(world)
    with app_using(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        started = time.monotonic()
        doc, message = request_summary({"unit": world.province.pk, "term": term.pk}, board_officer)
        elapsed = time.monotonic() - started
    assert elapsed < 5
    doc.refresh_from_db()
    assert doc.status == RunStatus.FAILED and "Redis" in doc.error
    assert message.startswith("Không kết nối được hàng đợi (Redis)")
