"""Recording a decision in the browser: two postings, one of which needs a special-case override.

Then the postings are found through the list filters (typed without accents) and on the cadre's
timeline, with the override and its reason.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from postings.models import Decision, Posting, PostingOverride
from tests.e2e.conftest import check_page, sign_in
from tests.postings import kit_fixture  # noqa: F401  (the `kit` fixture: titles, positions, rule sets)

REASON = "Cán bộ trẻ có triển vọng, Ban Thường vụ đồng ý bổ sung quy hoạch"


def pick(scope: Page | Locator, label: str, typed: str, match: str) -> None:
    """Type into a search box (unit, position, cadre) and choose the match from the list."""
    box = scope.get_by_role("searchbox", name=label)
    box.fill(typed)
    box.locator("xpath=..").get_by_role("button", name=re.compile(match)).first.click()


def fill_row(row: Locator, *, cadre_typed: str, cadre: str, position_typed: str, position: str) -> None:
    pick(row, "Cán bộ", cadre_typed, cadre)
    pick(row, "Vị trí nơi đến", position_typed, position)
    row.get_by_label("Ngày bắt đầu *", exact=True).fill("2023-06-01")


def test_a_decision_with_two_postings_one_overridden_is_recorded_and_found(page: Page, board_officer, kit):
    planned = kit.cadre(full_name="Hoàng Văn Quy Hoạch", unit=kit.world.provincial_committee)
    unplanned = kit.cadre(full_name="Lăng Thị Chưa Quy Hoạch", planned=False, unit=kit.world.provincial_committee)
    kit.position("pho_truong_ban", kit.world.provincial_committee)
    kit.position("pho_bi_thu", kit.world.district_a_committee)
    kit.position("pho_bi_thu", kit.district_b_committee)

    sign_in(page, board_officer.username)
    page.goto("/postings/decisions/")
    page.get_by_role("link", name="Ghi quyết định luân chuyển").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ghi quyết định luân chuyển, bố trí cán bộ")

    decision = page.get_by_role("group", name="Quyết định")
    decision.get_by_label("Số, ký hiệu").fill("125-QĐ/TU")
    decision.get_by_label("Ngày ký").fill("2023-05-01")
    pick(decision, "Cơ quan ban hành", "tinh uy thu", r"^Tỉnh ủy Thử")
    decision.get_by_label("Người ký", exact=True).fill("Nguyễn Văn Ký")
    decision.get_by_label("Trích yếu").fill("Về việc luân chuyển cán bộ")

    first = page.locator("fieldset#row-1")
    fill_row(
        first,
        cadre_typed="hoang van quy hoach",
        cadre="Hoàng Văn Quy Hoạch",
        position_typed="pho bi thu huyen uy an",
        position="Huyện ủy An",
    )
    first.locator("summary").click()  # "Nơi đi": the cadre has no current post in the registry
    pick(first, "Vị trí nơi đi", "pho truong ban tinh uy", "Tỉnh ủy Thử")
    second = page.locator("fieldset#row-2")
    fill_row(
        second,
        cadre_typed="lang thi chua",
        cadre="Lăng Thị Chưa Quy Hoạch",
        position_typed="pho bi thu huyen uy binh",
        position="Huyện ủy Bình",
    )
    page.get_by_role("button", name="Lưu quyết định và các luân chuyển").click()

    # The second row warns (not in the planning pool): nothing is written until it is overridden.
    expect(page.get_by_text("Chưa ghi gì vào sổ").first).to_be_visible()
    second = page.locator("fieldset#row-2")
    expect(second).to_contain_text("R-PLANNING")
    assert not Decision.objects.exists() and not Posting.objects.exists()
    check_page(page, "decision-form-warning")
    second.get_by_label("Vượt quy định (trường hợp đặc biệt)").check()
    second.get_by_label("Lý do trường hợp đặc biệt").fill(REASON)
    page.get_by_role("button", name="Lưu quyết định và các luân chuyển").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Quyết định số 125-QĐ/TU")
    expect(page.get_by_text("với 2 lượt luân chuyển")).to_be_visible()
    check_page(page, "decision-detail-recorded")
    recorded = Decision.objects.get()
    assert {p.cadre for p in recorded.postings.all()} == {planned, unplanned}
    override = PostingOverride.objects.get()
    assert (override.posting.cadre, override.rule_code, override.reason) == (unplanned, "R-PLANNING", REASON)

    # Found through the posting list's filters, typed without accents.
    page.goto("/postings/")
    page.get_by_label("Họ tên cán bộ (gõ không dấu được)").fill("lang thi chua quy hoach")
    page.get_by_role("button", name="Lọc").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table).to_contain_text("Lăng Thị Chưa Quy Hoạch")
    expect(table).to_contain_text("125-QĐ/TU")
    # And through the decision list.
    page.goto("/postings/decisions/")
    page.get_by_label("Số, ký hiệu hoặc trích yếu").fill("125-QĐ")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_role("link", name="125-QĐ/TU")).to_be_visible()

    # On the cadre's timeline, with the special case and its reason.
    page.goto(unplanned.get_absolute_url())
    timeline = page.get_by_role("region", name="Quá trình công tác và luân chuyển")
    expect(timeline).to_contain_text("125-QĐ/TU")
    expect(timeline).to_contain_text("1/6/2023")
    expect(timeline).to_contain_text(f"Trường hợp đặc biệt R-PLANNING: {REASON}")
