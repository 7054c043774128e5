"""Importing cadres from a workbook in the browser: a bad row blocks everything, the fixed file is
written, and the same file imported again changes nothing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pghistory.models
from playwright.sync_api import Page, expect

from cadres.models import Cadre
from tests.e2e.conftest import check_page, sign_in

HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Đơn vị công tác"]
GOOD = ["Lương Văn Nhập", "01/07/1985", "Nam", "Nùng", "Đảng ủy xã Hợp Nhất"]
BAD = ["Lò Thị Sửa", "31/02/1990", "Nữ", "Thái", "Đảng ủy xã Hợp Nhất"]  # 31 February
FIXED = ["Lò Thị Sửa", "28/02/1990", "Nữ", "Thái", "Đảng ủy xã Hợp Nhất"]
NAMES = {"Lương Văn Nhập", "Lò Thị Sửa"}


def workbook(path: Path, *rows: list[str]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def upload(page: Page, path: Path) -> None:
    page.goto("/imports/")
    page.get_by_label("Danh sách cán bộ").check()
    page.get_by_label("Tệp Excel (.xlsx) hoặc CSV").set_input_files(str(path))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(path.name)


def imported() -> set[str]:
    return set(Cadre.objects.filter(full_name__in=NAMES).values_list("full_name", flat=True))


def test_a_bad_row_blocks_the_import_the_fixed_file_is_written_and_a_second_import_changes_nothing(
    page: Page, board_officer, world, tmp_path
):
    sign_in(page, board_officer.username)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Nhập từ Excel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập dữ liệu từ tệp Excel hoặc CSV")
    check_page(page, "import-start")

    # One bad row: the error is shown on its row and column, nothing is written, no commit button.
    upload(page, workbook(tmp_path / "can-bo-loi.xlsx", GOOD, BAD))
    expect(page.get_by_text("chưa có gì được ghi vào sổ")).to_be_visible()
    expect(page.get_by_text("Dòng 3, cột “Ngày sinh”")).to_be_visible()
    expect(page.get_by_role("button", name="Ghi vào sổ")).to_have_count(0)
    assert imported() == set()
    check_page(page, "import-errors")

    # The fixed file: both rows new, written in one go.
    upload(page, workbook(tmp_path / "can-bo.xlsx", GOOD, FIXED))
    expect(page.get_by_text("Mọi dòng đều hợp lệ")).to_be_visible()
    page.get_by_role("button", name="Ghi vào sổ").click()
    expect(page.get_by_text("Đã ghi vào sổ.")).to_be_visible()
    assert imported() == NAMES
    check_page(page, "import-committed")

    # The same file again: every row unchanged, and committing it writes nothing.
    events = pghistory.models.Events.objects.count()
    upload(page, tmp_path / "can-bo.xlsx")
    expect(page.get_by_text("không có gì thay đổi")).to_be_visible()
    expect(page.get_by_role("link", name="Không đổi: 2")).to_be_visible()
    commit = page.get_by_role("button", name="Ghi vào sổ")
    if commit.count():
        commit.click()
        expect(page.get_by_text("Đã ghi vào sổ.")).to_be_visible()
    assert Cadre.objects.filter(full_name__in=NAMES).count() == 2
    assert pghistory.models.Events.objects.count() == events  # no audited row changed
