"""The plan PDF read back with poppler: the text as entered, the fonts, and the HD 36 layout on the page.

Positions come from `pdftotext -bbox-layout` (points, origin at the top left of the page); font sizes
and bold from `pdftohtml -xml` (zoom 1: sizes in points) and from word heights (Liberation Serif's
ascent + descent is 1.107 em).
"""

from __future__ import annotations

import re

import pytest

from plans import services
from plans.documents import plan_document_html, plan_pdf
from tests.plans.conftest import (
    ALL_DIACRITICS,
    MM,
    PARAGRAPH,
    bbox_pages,
    font_runs,
    nfc,
    pdf_text,
    poppler,
    words,
    write_pdf,
)

A4 = (595.28, 841.89)
LEFT, RIGHT, TOP, BOTTOM = 30 * MM, 15 * MM, 20 * MM, 20 * MM
EM_HEIGHT = 1.107  # Liberation Serif: (ascent 0.891 + descent 0.216) × font size = a word's box height
ALLOWED_FONTS = {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic", "Liberation-Serif-BoldItalic"}


@pytest.fixture
def issued_pdf(tmp_path, make_plan, two_cadres, title_bi_thu):
    plan = make_plan(
        symbol="42-KH/TU",
        issue=True,
        targets=[
            services.TargetRow(direction="tinh_huyen", count=5),
            services.TargetRow(dest_title=title_bi_thu, count=2),
        ],
        entries=[services.EntryRow(cadre=cadre, dest_title=title_bi_thu) for cadre in two_cadres],
    )
    return plan, write_pdf(tmp_path, plan_pdf(plan))


def test_the_text_read_back_is_the_vietnamese_text_entered(issued_pdf):
    plan, path = issued_pdf
    text = pdf_text(path)
    assert text == nfc(text), "the PDF's text must be precomposed (NFC), as entered"
    flowing = words(text)
    for entered in (
        plan.title,
        PARAGRAPH,
        "- Căn cứ Điều lệ Đảng;",
        "- Căn cứ Kết luận số 24-KL/TW, ngày 05/6/2012 của Bộ Chính trị,",
        "Ban Thường vụ Tỉnh ủy xây dựng Kế hoạch như sau:",
        "I- MỤC ĐÍCH, YÊU CẦU",
        "II- NỘI DUNG",
        "III- TỔ CHỨC THỰC HIỆN",
        "1. Mục đích",
        "8. " + PARAGRAPH,
        "Ban Tổ chức Tỉnh ủy chủ trì, theo dõi, đôn đốc thực hiện Kế hoạch.",
        "- Ban Tổ chức Trung ương (b/c),",
        "- Lưu Văn phòng Tỉnh ủy.",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
        "Nguyễn Văn Thử",
        "Nông Minh Cường",
        "Lý Hoàng Long",
    ):
        assert words(entered) in flowing, entered
    # Every letter with every tone, in order (pdftotext joins one-letter words: compare without spaces).
    assert ALL_DIACRITICS.replace(" ", "") in re.sub(r"\s", "", text)
    assert "DỰ THẢO" not in text  # issued: no draft mark
    assert "*" not in words(text).replace("TỈNH ỦY THỬ * Số", "")  # **bold** markers became bold, not text


def test_only_liberation_serif_is_used_and_every_font_is_embedded(issued_pdf):
    _plan, path = issued_pdf
    lines = poppler("pdffonts", str(path)).splitlines()[2:]
    assert lines
    names = set()
    for line in lines:
        columns = line.split()
        name, embedded = columns[0], columns[-5]
        assert embedded == "yes", line
        names.add(name.split("+", 1)[-1])
    assert names <= ALLOWED_FONTS and {"Liberation-Serif", "Liberation-Serif-Bold"} <= names


def test_page_one_has_the_hd36_header_title_and_no_page_number(issued_pdf):
    _plan, path = issued_pdf
    pages = bbox_pages(path)
    first = pages[0]
    assert (round(first.width, 1), round(first.height, 1)) == (595.3, 841.9)

    party = first.find("ĐẢNG CỘNG SẢN VIỆT NAM")
    assert party, "the party heading is on page 1"
    assert min(w.x_min for w in party) > first.width / 2, "in the right half"
    assert party[0].y_min < TOP + 10 * MM, "on the first line, near the top"
    size = sum(w.height for w in party) / len(party) / EM_HEIGHT
    assert size == pytest.approx(15, abs=0.3)
    runs = {text: (size, bold) for text, size, bold in font_runs(path, 1)}
    assert runs["ĐẢNG CỘNG SẢN VIỆT NAM"] == (15, True)
    assert runs["TỈNH ỦY THỬ"] == (14, True)
    assert runs["Số 42-KH/TU"] == (14, False)
    assert runs["KẾ HOẠCH"] == (16, True)

    number = first.find("Số 42-KH/TU")
    assert number and max(w.x_max for w in number) < first.width / 2, "the number in the left half"
    issuer = first.find("TỈNH ỦY THỬ")
    assert issuer[0].y_min < number[0].y_min, "issuing body above the number"
    date_line = first.find("Thử, ngày 23 tháng 8 năm 2017")
    assert date_line and min(w.x_min for w in date_line) > first.width / 2 - 10
    assert date_line[0].y_min > party[0].y_max, "the place and date under the heading"
    assert date_line[0].y_min == pytest.approx(number[0].y_min, abs=0.5), "level with the number (mock-up)"

    title = first.find("KẾ HOẠCH")
    centre = LEFT + (first.width - LEFT - RIGHT) / 2
    assert (title[0].x_min + title[-1].x_max) / 2 == pytest.approx(centre, abs=2)
    assert title[0].y_min > number[0].y_max
    separator = first.find("-----")
    assert separator and separator[0].x_centre == pytest.approx(centre, abs=2)

    assert all(w.y_min >= TOP - 1 for w in first.words), "nothing in the top margin of page 1: no page number"


def test_a_district_committee_prints_its_superior_body_and_the_date_level_with_the_star(tmp_path, world, make_plan):
    plan = make_plan(issuing_unit=world.district_a_committee, **services.header_defaults(world.district_a_committee))
    first = bbox_pages(write_pdf(tmp_path, plan_pdf(plan)))[0]
    superior, issuer = first.find("ĐẢNG BỘ TỈNH THỬ"), first.find("HUYỆN ỦY AN")
    star, number = first.find("*"), first.find("Số 01-KH/HU")
    assert superior[0].y_max <= issuer[0].y_min <= star[0].y_min < number[0].y_min
    assert max(w.x_max for w in superior + issuer + number) < first.width / 2
    date_line = first.find("An, ngày 23 tháng 8 năm 2017")
    assert date_line[0].y_min == pytest.approx(star[0].y_min, abs=0.5)
    runs = {text: (size, bold) for text, size, bold in font_runs(write_pdf(tmp_path, plan_pdf(plan), "b.pdf"), 1)}
    assert runs["ĐẢNG BỘ TỈNH THỬ"] == (14, False) and runs["HUYỆN ỦY AN"] == (14, True)


def test_pages_from_two_have_a_centred_page_number_at_the_top(issued_pdf):
    _plan, path = issued_pdf
    pages = bbox_pages(path)
    assert len(pages) >= 2
    for number, page in enumerate(pages[1:], start=2):
        in_margin = [w for w in page.words if w.y_max <= TOP + 1]
        assert [w.text for w in in_margin] == [str(number)]
        portrait = page.width < page.height
        centre = LEFT + (page.width - LEFT - RIGHT) / 2 if portrait else page.width / 2
        assert in_margin[0].x_centre == pytest.approx(centre, abs=3)
        # About 10 mm from the top edge: the middle of the 20 mm top margin (15 mm on a landscape annex page,
        # whose top margin is 30 mm: the binding edge once the page is turned).
        middle = (in_margin[0].y_min + in_margin[0].y_max) / 2
        assert middle == pytest.approx((10 if portrait else 15) * MM, abs=2 * MM)


def test_portrait_pages_keep_the_margins_and_annexes_are_landscape(issued_pdf):
    _plan, path = issued_pdf
    pages = bbox_pages(path)
    portrait = [p for p in pages if p.width < p.height]
    landscape = [p for p in pages if p.width > p.height]
    assert len(portrait) >= 2 and len(landscape) == 2  # targets and planned cadres
    for page in portrait:
        body = [w for w in page.words if w.y_min > TOP]
        assert min(w.x_min for w in body) >= LEFT - 0.5
        assert max(w.x_max for w in body) <= page.width - RIGHT + 0.5
        assert max(w.y_max for w in body) <= page.height - BOTTOM + 0.5
    for page in landscape:
        assert (round(page.width, 1), round(page.height, 1)) == (841.9, 595.3)
    annex = " ".join(w.text for w in landscape[0].words)
    assert "PHỤ LỤC I" in annex and "Tỉnh về huyện" in annex


def test_the_closing_block_puts_recipients_left_and_the_signature_right(issued_pdf):
    _plan, path = issued_pdf
    page = next(p for p in bbox_pages(path) if p.find("Nơi nhận:"))
    label, authority, name = page.find("Nơi nhận:"), page.find("T/M BAN THƯỜNG VỤ"), page.find("Nguyễn Văn Thử")
    assert label[0].x_min == pytest.approx(LEFT, abs=1)
    assert min(w.x_min for w in authority) > page.width / 2
    assert name[0].y_min - authority[0].y_max > 20 * MM, "room for the signature and the seal"
    runs = {text: (size, bold) for text, size, bold in font_runs(path, bbox_pages(path).index(page) + 1)}
    assert runs["- Ban Tổ chức Trung ương (b/c),"] == (12, False)
    assert runs["T/M BAN THƯỜNG VỤ"] == (14, True)
    assert runs["BÍ THƯ"] == (14, False)
    assert runs["Nguyễn Văn Thử"] == (14, True)
    html = plan_document_html(_plan)
    assert '<div class="doc-recipients-label">Nơi nhận:</div>' in html  # underlined by the style sheet


def test_a_draft_carries_a_visible_draft_mark_on_every_page(tmp_path, make_plan):
    plan = make_plan()
    path = write_pdf(tmp_path, plan_pdf(plan))
    pages = bbox_pages(path)
    for page in pages:
        mark = page.find("DỰ THẢO")
        assert mark and mark[0].y_max <= TOP and mark[0].x_min > page.width / 2
    assert re.search(r"Số 01-KH/TU", pdf_text(path))


def test_the_download_is_a_pdf_named_after_the_number(client, board_officer, make_plan):
    plan = make_plan(symbol="42-KH/TU", issue=True)
    client.force_login(board_officer)
    response = client.get(f"/plans/{plan.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="ke-hoach-42-KH-TU.pdf"'
    assert response.content.startswith(b"%PDF")
