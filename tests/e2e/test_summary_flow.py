"""A leader asks for the leaders' summary of Lạng Sơn 2016–2020 and downloads it; a unit office gets 404 for it.

The demo is loaded into the live server's database; a real Celery worker (a thread, on the test's own queue,
against the real Redis) builds the summary — computing the statistics first, as none are stored yet.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.urls import clear_url_caches
from playwright.sync_api import Page, expect

import reports.tasks  # noqa: F401  (registers the tasks with the app before the worker starts)
from rotation_registry.celery import app
from tests.e2e.conftest import check_page, sign_in
from tests.summaries.conftest import save_artifact, summaries_urlconf

WAIT_FOR_SUMMARY_S = 120


@pytest.fixture(autouse=True)
def summary_urls(settings):
    urlconf = summaries_urlconf()
    if urlconf:
        settings.ROOT_URLCONF = urlconf
        clear_url_caches()
    yield
    if urlconf:
        clear_url_caches()


@pytest.fixture
def demo(registry_data):
    call_command("load_demo", verbosity=0)


@pytest.fixture
def worker(demo):
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1, loglevel="WARNING"):
        yield


def test_a_leader_downloads_the_summary_and_a_unit_office_cannot(page: Page, browser, live_server, worker, tmp_path):
    sign_in(page, "demo_leader")
    page.get_by_role("link", name="Thống kê").click()
    page.get_by_label("Nhiệm kỳ, giai đoạn").select_option(label="2016–2020")
    page.get_by_role("button", name="Xem").click()
    page.get_by_role("button", name="Báo cáo tóm tắt (PDF)").click()
    expect(page.get_by_role("heading", name="Báo cáo tóm tắt (PDF)")).to_be_visible()

    deadline = time.monotonic() + WAIT_FOR_SUMMARY_S
    download_link = page.get_by_role("link", name="Tải báo cáo tóm tắt (PDF)")
    while download_link.count() == 0:
        assert page.locator(".summary-status").inner_text() != "Không tính được", page.content()
        assert time.monotonic() < deadline, "the summary was not built in time"
        time.sleep(0.5)
        page.reload()
    check_page(page, "summary-status")
    download_url = download_link.get_attribute("href")

    with page.expect_download() as download_info:
        download_link.click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name == "bao-cao-tom-tat-2016-01-01-2020-12-31.pdf"
    path = save_artifact("summary-demo.pdf", saved.read_bytes())
    text = " ".join(
        subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "có tổng số 132 lượt cán bộ luân chuyển" in text
    assert "TỈNH ỦY LẠNG SƠN" in text and "Biểu số 11-BTCTW" in text

    # The job stored the statistics it needed: the dashboard now offers Biểu 11 as PDF beside the XLSX.
    page.get_by_role("link", name="Về trang thống kê").click()
    with page.expect_download() as form_info:
        page.get_by_role("link", name="Tải Biểu 11 (PDF)").click()
    form = tmp_path / form_info.value.suggested_filename
    form_info.value.save_as(form)
    assert form.name == "bieu-11-btctw-2016-01-01-2020-12-31.pdf"
    save_artifact("bieu-11-demo.pdf", form.read_bytes())
    form_text = subprocess.run(["pdftotext", "-layout", str(form), "-"], capture_output=True, text=True).stdout
    assert "Biểu số 11-BTCTW" in form_text and "TỈNH ỦY LẠNG SƠN" in form_text
    assert any(line.split()[:3] == ["Tổng", "số", "132"] for line in form_text.splitlines())

    # Huyện ủy Cao Lộc's office: the province's summary is outside its scope.
    other = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        office = other.new_page()
        sign_in(office, "demo_caoloc")
        response = office.goto(download_url)
        assert response.status == 404
        response = office.goto(download_url.removesuffix("download/"))
        assert response.status == 404
    finally:
        other.close()
