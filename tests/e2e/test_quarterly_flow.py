"""Quarterly report, end to end in Chromium on the demo province.

demo_caoloc opens Huyện ủy Cao Lộc's report for the second quarter of 2025 (never filed in the demo, so
it arrives late), writes the sections and submits; demo_board returns it with a comment; demo_caoloc
edits and submits again; demo_board accepts; both download the PDF; the completeness board shows the
states (the demo's other units: accepted, waiting, returned, never filed) and the late flags.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from rotation_registry.demo.reporting import load_demo_reporting
from tests.e2e.conftest import check_page, sign_in
from tests.plans.conftest import pdf_text, words

SECTIONS = {
    "I- Kết quả thực hiện trong quý": "Trong quý II năm 2025, Ban Thường vụ Huyện ủy Cao Lộc rà soát cán bộ luân "
    "chuyển, chuẩn bị bố trí cán bộ khi kết thúc cấp huyện.",
    "II.1- Ưu điểm": "Thực hiện đúng quy trình, công khai, minh bạch.",
    "II.2- Hạn chế": "Việc bố trí sau luân chuyển còn chậm.",
    "II.3- Nguyên nhân": "Sắp xếp đơn vị hành chính cấp huyện, cấp xã.",
    "III- Phương hướng, nhiệm vụ quý tới": "Bàn giao hồ sơ cán bộ luân chuyển cho các đảng ủy xã mới.",
}


@pytest.fixture
def demo(registry_data):
    call_command("load_demo", verbosity=0)
    assert load_demo_reporting() == (0, 0)  # loading again changes nothing


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/login/**")


def download_pdf(page: Page, link_name: str, tmp_path, name: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    path = tmp_path / name
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    return words(pdf_text(path))


def completeness_row(page: Page, unit: str):
    return page.locator("#completeness tr", has=page.get_by_role("rowheader", name=unit))


def test_a_unit_files_the_board_returns_the_unit_resubmits_the_board_accepts(page: Page, demo, tmp_path):
    # demo_caoloc opens the report of the second quarter of 2025, filled from the registry.
    sign_in(page, "demo_caoloc")
    page.get_by_role("link", name="Báo cáo quý").first.click()
    expect(page.get_by_role("heading", name="Báo cáo quý của đơn vị")).to_be_visible()
    row = page.locator("tr", has_text="Quý II/2025")
    expect(row).to_contain_text("Chưa nộp")
    expect(row).to_contain_text("quá hạn")
    row.get_by_role("link", name="Lập, nộp báo cáo").click()
    expect(page.get_by_role("heading", name="Báo cáo quý II năm 2025 — Huyện ủy Cao Lộc")).to_be_visible()
    expect(page.get_by_text("Địa bàn: Huyện Cao Lộc")).to_be_visible()

    # Submitting without the sections is refused, with the messages on the fields.
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.get_by_text("Chưa ghi, chưa nộp.")).to_be_visible()
    expect(page.get_by_text("Nộp báo cáo phải viết mục «I- Kết quả».")).to_be_visible()
    expect(page.get_by_text("Nộp báo cáo phải ghi số, ký hiệu của văn bản")).to_be_visible()
    check_page(page, "quarterly-report-form-errors")

    for label, text in SECTIONS.items():
        page.get_by_label(label).fill(text)
    page.get_by_label("Số, ký hiệu").fill("45-BC/HU")
    page.get_by_label("Chức vụ người ký (T/M Ban Thường vụ)").select_option("PHÓ BÍ THƯ")
    page.get_by_label("Họ tên người ký").fill("Hoàng Văn Lộc")
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.get_by_text("Đã nộp báo cáo quý II năm 2025 (lần nộp 1)")).to_be_visible()
    expect(page.locator(".summary-facts")).to_contain_text("Đã nộp")
    expect(page.locator(".summary-facts")).to_contain_text("nộp muộn")
    check_page(page, "quarterly-report-submitted")
    sign_out(page)

    # demo_board sees it on the completeness board, late, and returns it with a comment.
    sign_in(page, "demo_board")
    page.goto("/quarterly/?year=2025&quarter=2")
    expect(page.get_by_role("heading", name="Tình hình nộp báo cáo quý II năm 2025")).to_be_visible()
    expect(completeness_row(page, "Huyện ủy Cao Lộc")).to_contain_text("Đã nộp")
    expect(completeness_row(page, "Huyện ủy Cao Lộc")).to_contain_text("nộp muộn")
    check_page(page, "quarterly-completeness-board")
    completeness_row(page, "Huyện ủy Cao Lộc").get_by_role("link", name="Huyện ủy Cao Lộc").click()
    page.get_by_role("link", name="Duyệt hoặc trả lại").click()
    page.get_by_label("Ý kiến của Ban Tổ chức").fill("Đề nghị bổ sung kết quả bàn giao cán bộ cho các xã mới.")
    page.get_by_role("button", name="Trả lại cho đơn vị").click()
    expect(page.get_by_text("Đã trả lại báo cáo cho đơn vị kèm ý kiến.")).to_be_visible()
    expect(page.locator(".summary-facts")).to_contain_text("Trả lại")
    sign_out(page)

    # demo_caoloc reads the comment, edits and submits again (a second version).
    sign_in(page, "demo_caoloc")
    page.get_by_role("link", name="Báo cáo quý").first.click()
    page.locator("tr", has_text="Quý II/2025").get_by_role("link", name="Sửa và nộp lại").click()
    expect(page.get_by_text("Đề nghị bổ sung kết quả bàn giao cán bộ cho các xã mới.")).to_be_visible()
    results = page.get_by_label("I- Kết quả thực hiện trong quý")
    results.fill(results.input_value() + "\nĐã bàn giao hồ sơ 2 cán bộ luân chuyển cho Đảng ủy các xã mới.")
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.get_by_text("Đã nộp báo cáo quý II năm 2025 (lần nộp 2)")).to_be_visible()
    expect(page.get_by_role("link", name="Lần 1")).to_be_visible()
    expect(page.get_by_role("link", name="Lần 2")).to_be_visible()
    sign_out(page)

    # demo_board accepts; the report is locked and downloads as a Báo cáo of the Huyện ủy.
    sign_in(page, "demo_board")
    page.goto("/quarterly/?year=2025&quarter=2")
    completeness_row(page, "Huyện ủy Cao Lộc").get_by_role("link", name="Huyện ủy Cao Lộc").click()
    page.get_by_role("link", name="Duyệt hoặc trả lại").click()
    page.get_by_role("button", name="Duyệt báo cáo").click()
    expect(page.get_by_text("Đã duyệt báo cáo; báo cáo được khóa.")).to_be_visible()
    text = download_pdf(page, "Tải báo cáo (PDF)", tmp_path, "board.pdf")
    for expected in ("ĐẢNG BỘ TỈNH LẠNG SƠN", "HUYỆN ỦY CAO LỘC", "Số 45-BC/HU", "T/M BAN THƯỜNG VỤ", "Hoàng Văn Lộc"):
        assert expected in text, expected
    assert "Đã bàn giao hồ sơ 2 cán bộ luân chuyển" in text
    assert "DANH SÁCH CÁN BỘ LUÂN CHUYỂN TRONG QUÝ" in text

    # The completeness board: every state of the quarter, and the late flags.
    page.goto("/quarterly/?year=2025&quarter=2")
    expect(completeness_row(page, "Huyện ủy Cao Lộc")).to_contain_text("Đã duyệt")
    expect(completeness_row(page, "Huyện ủy Cao Lộc")).to_contain_text("nộp muộn")
    expect(completeness_row(page, "Huyện ủy Bình Gia")).to_contain_text("Chưa nộp")
    expect(completeness_row(page, "Huyện ủy Bình Gia")).to_contain_text("quá hạn")
    expect(completeness_row(page, "Huyện ủy Văn Quan")).to_contain_text("Trả lại")
    expect(completeness_row(page, "Huyện ủy Tràng Định")).to_contain_text("Đã nộp")
    expect(completeness_row(page, "Huyện ủy Bắc Sơn")).to_contain_text("đúng hạn")
    check_page(page, "quarterly-completeness-board-after")

    # The province's report names the units that have not reported.
    page.get_by_role("link", name="Báo cáo chung của tỉnh").click()
    expect(page.locator("ul.missing")).to_contain_text("Huyện ủy Bình Gia")
    expect(page.locator("ul.missing")).not_to_contain_text("Huyện ủy Cao Lộc")
    check_page(page, "quarterly-province-report")
    sign_out(page)

    # demo_caoloc downloads the accepted report too; it can no longer be edited.
    sign_in(page, "demo_caoloc")
    page.get_by_role("link", name="Báo cáo quý").first.click()
    row = page.locator("tr", has_text="Quý II/2025")
    expect(row).to_contain_text("Đã duyệt")
    expect(row.get_by_role("link", name="Sửa và nộp lại")).to_have_count(0)
    row.get_by_role("link", name="Xem").click()
    text = download_pdf(page, "Tải báo cáo (PDF)", tmp_path, "unit.pdf")
    assert "HUYỆN ỦY CAO LỘC" in text and "Số 45-BC/HU" in text
    check_page(page, "quarterly-report-accepted")
