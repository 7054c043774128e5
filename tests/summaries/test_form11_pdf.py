"""Biểu 11-BTCTW as PDF from the dashboard: the paper form's layout on A4 landscape, fonts embedded."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.summaries.conftest import page_sizes, pdf_fonts, pdf_text, save_artifact

URL = "/statistics/"


def test_the_form_downloads_as_a_landscape_pdf_in_the_forms_layout(client, board_officer, world, stored):
    term, run = stored
    client.force_login(board_officer)
    response = client.get(URL, {"unit": world.province.pk, "term": term.pk, "export": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="bieu-11-btctw-2016-01-01-2020-12-31.pdf"'
    path = save_artifact("bieu-11.pdf", response.content)

    text = pdf_text(path)
    for expected in (
        "TỈNH ỦY THỬ",
        "BAN TỔ CHỨC",
        "Biểu số 11-BTCTW",
        "SỐ LƯỢT CÁN BỘ LUÂN CHUYỂN",
        "Từ ngày 1/1/2016 đến ngày 31/12/2020",
        "Cấp tỉnh quyết định",
        "NGƯỜI LẬP BIỂU",
        "TRƯỞNG BAN",
        "(1)",
        "(2)",
    ):
        assert expected in text, expected
    # The total row: 3 in all, 2 district -> commune, 1 province -> district (the numbers of the dataset).
    total_line = next(
        line for line in text.splitlines() if line.strip().startswith("Tổng số") and re.search(r"\d", line)
    )
    figures = [int(n) for n in re.findall(r"(?<![\d(])\d+(?![\d)])", total_line)]
    assert figures[0] == 3 and sorted(n for n in figures[1:] if n) == [1, 2], total_line

    sizes = page_sizes(path)
    assert sizes and all(width > height for width, height in sizes)  # A4 landscape: 841.89 x 595.276 pts
    assert round(sizes[0][0]) == 842 and round(sizes[0][1]) == 595
    fonts = pdf_fonts(path)
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("Liberation" in row for row in rows), fonts
    assert all(re.search(r"\byes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", row) for row in rows), fonts  # embedded, subset


def test_the_pdf_reads_the_stored_run_without_computing(client, board_officer, world, stored):
    term, _run = stored
    client.force_login(board_officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"unit": world.province.pk, "term": term.pk, "export": "pdf"})
    assert response.status_code == 200
    assert not any("reports_statisticsrun" in q["sql"] and "UPDATE" in q["sql"] for q in queries.captured_queries)
    assert not any("postings_posting" in q["sql"] for q in queries.captured_queries)


def test_without_a_stored_run_the_pdf_is_not_offered(client, board_officer, world):
    client.force_login(board_officer)
    response = client.get(URL, {"unit": world.province.pk, "export": "pdf"})
    assert response.status_code == 302
