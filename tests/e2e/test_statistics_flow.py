"""A leader reads the demo province's 2016–2020 figures: recompute on a real worker, 132, drill down, Biểu 11.

The demo is loaded into the live server's database; a real Celery worker (a thread, on the test's own
queue, against the real Redis) computes the run the "Tính lại" button asks for.
"""

from __future__ import annotations

import re
import time

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from playwright.sync_api import Page, expect

import reports.tasks  # noqa: F401  (registers the tasks with the app before the worker starts)
from rotation_registry.celery import app
from tests.e2e.conftest import check_page, sign_in

WAIT_FOR_RUN_S = 60


@pytest.fixture
def demo(registry_data):
    call_command("load_demo", verbosity=0)


@pytest.fixture
def worker(demo):
    with start_worker(app, perform_ping_check=False, pool="solo", concurrency=1, loglevel="WARNING"):
        yield


def test_a_leader_reads_132_rotations_clicks_through_and_downloads_form_11(page: Page, worker, tmp_path):
    sign_in(page, "demo_leader")
    page.get_by_role("link", name="Thống kê").click()
    expect(page.get_by_role("heading", name="Thống kê luân chuyển cán bộ")).to_be_visible()

    # Pick the 2016–2020 plan period; nothing is stored yet, so ask for it.
    page.get_by_label("Nhiệm kỳ, giai đoạn").select_option(label="2016–2020")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_text("Chưa có số liệu đã tính cho lựa chọn này")).to_be_visible()
    page.get_by_role("button", name="Tính lại").click()
    # Loading the demo already queued a recompute (changes are recomputed after a quiet spell): the
    # button then says so instead of queuing a second one — or, if the worker has already picked the job
    # up by the time the page is drawn again, that it is being computed.
    expect(page.get_by_role("status").first).to_contain_text(
        re.compile("Đã gửi yêu cầu tính lại|Đã có yêu cầu tính lại|Đang tính lại cho các tham số này")
    )

    # The worker computes it; the page only ever reads the stored run.
    deadline = time.monotonic() + WAIT_FOR_RUN_S
    while page.get_by_text("lượt cán bộ luân chuyển").count() == 0:
        assert time.monotonic() < deadline, "the run was not computed in time"
        time.sleep(0.5)
        page.reload()
    total = page.locator(".big-figure a")
    expect(total).to_have_text("132")
    expect(page.get_by_text("Tỉnh Lạng Sơn — từ ngày 1/1/2016 đến ngày 31/12/2020", exact=True)).to_be_visible()
    expect(page.get_by_text("92,03%")).to_be_visible()
    expect(page.get_by_text("98,5%")).to_be_visible()
    check_page(page, "statistics-dashboard")

    # Biểu 11 downloads in the form's layout.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải Biểu 11 (Excel)").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert sheet["A1"].value == "TỈNH ỦY LẠNG SƠN"
    total_row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "Tổng số")
    assert sheet.cell(total_row, 2).value == 132

    # Click 132: the posting list with exactly those 132 rotations.
    total.click()
    expect(page.get_by_role("heading", name="Luân chuyển, bố trí cán bộ")).to_be_visible()
    expect(page.locator(".pager").first).to_contain_text("Tổng số: 132")
    check_page(page, "statistics-drilldown")
