"""A board officer's day in a real browser: sign in, add a cadre, find it, read its career, export the list.

Also: a unit office outside Huyện An gets the Vietnamese 404 page for a cadre of Huyện An, and
every main page is screenshotted and checked with axe-core on the way.
"""

from __future__ import annotations

import datetime

import openpyxl
from playwright.sync_api import Page, expect

from cadres.models import Cadre
from postings.models import Posting
from tests.e2e.conftest import check_page, sign_in
from tests.factories import CadreFactory, DecisionFactory

D = datetime.date
NEW_NAME = "Hoàng Thị Ánh Tuyết"
TYPED_WITHOUT_ACCENTS = "hoang thi anh tuyet"


def _timeline_entry_for(cadre: Cadre, world) -> Posting:
    """A posting written directly (set-up, not the subject): the cadre's career to show on its page."""
    decision = DecisionFactory(symbol="31-QĐ/HU", date=D(2018, 3, 1), issuing_unit=world.district_a_committee)
    return Posting.objects.create(
        cadre=cadre,
        decision=decision,
        origin_unit=world.district_a_department,
        dest_unit=world.commune_a1_committee,
        origin_unit_name="Phòng Nội vụ huyện An",
        origin_title_name="Chuyên viên",
        dest_unit_name="Đảng ủy xã An Một",
        dest_title_name="Phó Bí thư",
        start_date=D(2018, 3, 15),
        planned_end=D(2021, 3, 15),
        direction="huyen_xa",
    )


def choose_unit(page: Page, field_label: str, typed: str, option_text: str) -> None:
    """Type into a unit search box and pick a match from the list the server sends back."""
    box = page.get_by_role("searchbox", name=field_label)
    box.fill(typed)
    box.locator("xpath=..").get_by_role("button", name=option_text).first.click()


def test_a_board_officer_adds_a_cadre_finds_it_without_accents_and_exports_it(
    page: Page, board_officer, world, tmp_path
):
    # Sign in through the login page (an anonymous visit to the home page is sent there).
    page.goto("/")
    assert "/accounts/login/?next=/" in page.url
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    check_page(page, "login")
    sign_in(page, board_officer.username)
    expect(page.get_by_role("heading", name="Việc cần chú ý")).to_be_visible()
    check_page(page, "home")

    # The cadre list, then the form.
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Cán bộ").click()
    expect(page.get_by_role("heading", name="Cán bộ", exact=True)).to_be_visible()
    page.get_by_role("link", name="Thêm cán bộ").click()
    expect(page.get_by_role("heading", name="Thêm cán bộ")).to_be_visible()
    page.get_by_label("Họ và tên").fill(NEW_NAME)
    page.get_by_label("Ngày sinh").fill("1986-04-12")
    page.get_by_label("Giới tính").select_option(label="Nữ")
    page.get_by_label("Dân tộc").fill("Tày")
    choose_unit(page, "Đơn vị công tác hiện nay", "phong noi vu", "Phòng Nội vụ huyện An")
    page.get_by_label("Lý do, căn cứ (ghi vào nhật ký)").fill("Hồ sơ 2C mới")
    check_page(page, "cadre-form")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text(f"Đã thêm cán bộ {NEW_NAME}.")).to_be_visible()
    cadre = Cadre.objects.get(full_name=NEW_NAME)
    assert cadre.unit == world.district_a_department
    _timeline_entry_for(cadre, world)

    # Find the cadre by typing the name without accents, among others.
    CadreFactory(full_name="Hoàng Văn Tuyến", unit=world.district_a_department)
    page.goto("/cadres/")
    page.get_by_label("Họ tên (gõ không dấu được)").fill(TYPED_WITHOUT_ACCENTS)
    page.get_by_role("button", name="Lọc").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # the header and the one match
    expect(page.get_by_role("link", name=NEW_NAME)).to_be_visible()
    check_page(page, "cadre-list")

    # Export the filtered list and read the workbook back.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:4] == ("Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc")
    assert "Đơn vị công tác" in table[0]
    assert [row[0] for row in table[1:]] == [NEW_NAME]
    assert table[1][table[0].index("Đơn vị công tác")] == "Phòng Nội vụ huyện An"

    # The cadre's page with the career timeline.
    page.get_by_role("link", name=NEW_NAME).click()
    expect(page.get_by_role("heading", name=NEW_NAME, level=1)).to_be_visible()
    timeline = page.get_by_role("region", name="Quá trình công tác và luân chuyển")
    expect(timeline).to_contain_text("Phó Bí thư, Đảng ủy xã An Một")
    expect(timeline).to_contain_text("31-QĐ/HU")
    expect(timeline).to_contain_text("15/3/2018")
    check_page(page, "cadre-detail")


def test_an_office_outside_the_scope_gets_the_vietnamese_404_page(page: Page, office_b, world):
    cadre = CadreFactory(full_name="Nguyễn Công Trưởng", unit=world.district_a_department)
    sign_in(page, office_b.username)
    response = page.goto(f"/cadres/{cadre.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Không tìm thấy")).to_be_visible()
    expect(page.get_by_text("nằm ngoài phạm vi anh/chị được xem")).to_be_visible()
    expect(page.get_by_text("Nguyễn Công Trưởng")).to_have_count(0)
    check_page(page, "not-found-404")


def test_the_main_pages_render_and_pass_axe(page: Page, board_officer, world):
    cadre = CadreFactory(full_name="Nguyễn Công Trưởng", unit=world.district_a_department)
    posting = _timeline_entry_for(cadre, world)
    sign_in(page, board_officer.username)
    pages = [
        ("/postings/", "Luân chuyển, bố trí cán bộ", "posting-list"),
        (f"/postings/{posting.pk}/", None, "posting-detail"),
        ("/postings/decisions/", "Quyết định", "decision-list"),
        (f"/postings/decisions/{posting.decision_id}/", None, "decision-detail"),
        ("/units/", None, "unit-tree"),
        (f"/units/{world.district_a.pk}/", "Huyện An", "unit-detail"),
        ("/audit/", "Nhật ký thay đổi", "audit-log"),
        (f"/cadres/{cadre.pk}/history/", None, "cadre-history"),
        ("/accounts/password/", "Đổi mật khẩu", "password-change"),
    ]
    for url, heading, name in pages:
        response = page.goto(url)
        assert response.status == 200, url
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_page(page, name)
