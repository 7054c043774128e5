"""The filter form and the unit search box work from the keyboard alone: Tab, typing and Enter."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in
from tests.factories import CadreFactory


def focused(page: Page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {id: e.id, tag: e.tagName, text: (e.innerText || e.value || '').trim()}; }"
    )


def test_the_cadre_filters_and_the_unit_search_box_work_without_a_mouse(page: Page, board_officer, world):
    CadreFactory(full_name="Nguyễn Văn An", unit=world.district_a_department)
    CadreFactory(full_name="Nguyễn Văn Bình", unit=world.commune_b1)
    CadreFactory(full_name="Trần Thị An", unit=world.district_a_department)
    sign_in(page, board_officer.username)
    page.goto("/cadres/")

    # The first Tab reaches the skip link; Enter on it moves to the main content.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Bỏ qua, tới nội dung chính"
    expect(page.get_by_role("link", name="Bỏ qua, tới nội dung chính")).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # Tab to the name box and type without accents.
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_q"
    page.keyboard.type("nguyen van")

    # Tab to the unit search box, type, Tab to the first match, Enter to choose it.
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_unit"
    page.keyboard.type("huyen an")
    choices = page.locator("#id_unit-choices").get_by_role("button")
    expect(choices.first).to_have_text(re.compile(r"^Huyện An \(Tỉnh Thử\)"))  # the district before its bodies
    page.keyboard.press("Tab")
    assert focused(page)["text"].startswith("Huyện An (Tỉnh Thử)"), focused(page)
    page.keyboard.press("Enter")
    expect(page.locator("#id_unit")).to_have_value(re.compile(r"^Huyện An \(Tỉnh Thử\)"))
    expect(choices).to_have_count(0)  # the list closes
    assert page.locator("input[type=hidden][name=unit]").input_value() == str(world.district_a.pk)

    # Keep tabbing: the form's button is reachable, and Enter on it filters.
    for _ in range(40):
        page.keyboard.press("Tab")
        if focused(page)["text"] == "Lọc":
            break
    else:
        raise AssertionError(f"the Lọc button was never reached with Tab; ended on {focused(page)}")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "q=nguyen+van" in url)
    assert f"unit={world.district_a.pk}" in page.url
    names = page.get_by_role("table").get_by_role("link").all_inner_texts()
    assert [n for n in names if n not in ("Họ và tên", "Ngày sinh")] == ["Nguyễn Văn An"]

    # The focus ring is visible on a focused control (3px outline, app.css).
    page.get_by_label("Họ tên (gõ không dấu được)").focus()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
    assert outline == "3px"
