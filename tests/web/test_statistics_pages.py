"""The statistics dashboard reads stored runs: figures, drill-down links, Biểu 11 downloads, scope, queries.

The runs are computed by the same service the Celery job calls (reports.runs.compute_run_job); the
jobs themselves, with a real worker and Redis outages, are tested in tests/statistics_jobs.
"""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from postings.models import Posting, PostingStatus
from reports.models import RunStatus, StatisticsRun
from reports.runs import compute_run_job, normalise, parameters_key
from tests.factories import CadreFactory, DecisionFactory, TermFactory
from units.models import TermKind

D = datetime.date
URL = "/statistics/"


def _posting(world, n: int, *, origin, dest, direction: str, start: datetime.date, **extra) -> Posting:
    decision = DecisionFactory(symbol=f"{70 + n}-QĐ/TU", date=start, issuing_unit=world.provincial_committee)
    cadre = CadreFactory(full_name=f"Hoàng Văn Số {n}", unit=origin, **extra)
    return Posting.objects.create(
        cadre=cadre,
        decision=decision,
        origin_unit=origin,
        dest_unit=dest,
        origin_unit_name=origin.name,
        origin_title_name="Chuyên viên",
        dest_unit_name=dest.name,
        dest_title_name="Phó Chủ tịch UBND",
        start_date=start,
        planned_end=start.replace(year=start.year + 3),
        direction=direction,
        status=PostingStatus.IN_FORCE,
    )


@pytest.fixture
def stored(world):
    """Three rotations in 2018 (two district -> commune, one province -> district) and a done run."""
    term = TermFactory(kind=TermKind.PLAN, name="2016–2020", start=D(2016, 1, 1), end=D(2020, 12, 31))
    TermFactory(name="2015–2020")  # the decisions' congress term (a flushed database lacks the catalogues)
    _posting(
        world, 1, origin=world.district_a_department, dest=world.commune_a1, direction="huyen_xa", start=D(2018, 3, 1)
    )
    _posting(
        world, 2, origin=world.district_a_department, dest=world.commune_a1, direction="huyen_xa", start=D(2018, 5, 1)
    )
    _posting(
        world, 3, origin=world.provincial_committee, dest=world.district_a, direction="tinh_huyen", start=D(2019, 1, 2)
    )
    parameters = normalise({"unit": world.province.pk, "term": term.pk})
    run = StatisticsRun.objects.create(
        parameters=parameters, parameters_key=parameters_key(parameters), unit=world.province
    )
    run = compute_run_job(run_id=run.pk)
    assert run.status == RunStatus.DONE
    return term, run


def _page(client, world, term):
    return client.get(URL, {"unit": world.province.pk, "term": term.pk})


def test_the_dashboard_shows_the_stored_figures_with_links_to_their_rows(client, board_officer, world, stored):
    term, run = stored
    client.force_login(board_officer)
    response = _page(client, world, term)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tỉnh Thử — từ ngày 1/1/2016 đến ngày 31/12/2020" in html
    # Biểu 11 as on paper: committee and board, the form's number, the footer.
    for text in (
        "TỈNH ỦY THỬ",
        "BAN TỔ CHỨC",
        "Biểu số 11-BTCTW",
        "NGƯỜI LẬP BIỂU",
        "TRƯỞNG BAN",
        "Cấp tỉnh quyết định",
    ):
        assert text in html
    # The total links to the posting list that shows exactly those three rotations.
    total = run.results["total"]
    assert total["value"] == 3
    listing = client.get(reverse("postings:list"), dict(pair.split("=") for pair in total["drill"].split("&")))
    assert listing.content.decode().count("Hoàng Văn Số") == 3
    # The direction chart is SVG drawn on the server, each bar a link.
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    assert "direction=huyen_xa" in html
    assert "Dữ liệu chưa thay đổi từ lần tính này" in html


def test_a_change_since_the_run_is_announced(client, board_officer, world, stored):
    term, _run = stored
    _posting(
        world, 4, origin=world.district_a_department, dest=world.commune_b1, direction="huyen_xa", start=D(2018, 6, 1)
    )
    # The data version moves when the writing transaction commits (a deferred trigger); the test's
    # transaction never commits, so fire the pending triggers now, as COMMIT would.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    client.force_login(board_officer)
    assert "Dữ liệu đã thay đổi từ lần tính này" in _page(client, world, term).content.decode()


def test_without_a_stored_run_the_page_says_so_and_offers_to_compute(client, board_officer, world):
    term = TermFactory(kind=TermKind.PLAN, name="2021–2025", start=D(2021, 1, 1), end=D(2025, 12, 31))
    client.force_login(board_officer)
    html = _page(client, world, term).content.decode()
    assert "Chưa có số liệu đã tính cho lựa chọn này" in html and "Tính lại" in html


def test_the_page_costs_six_queries(client, board_officer, world, stored):
    """session, user, scope, the chosen unit, the terms of the period picker, the run (with the data version)."""
    term, _run = stored
    client.force_login(board_officer)
    with CaptureQueriesContext(connection) as queries:
        response = _page(client, world, term)
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(sql) == 6, "\n".join(sql)


def test_bad_parameters_fall_back_with_a_vietnamese_notice(client, board_officer, world, stored):
    client.force_login(board_officer)
    response = client.get(URL, {"unit": world.province.pk, "start": "2018-13-45", "end": "x", "structure": "??"})
    assert response.status_code == 200
    assert "Đã bỏ qua lựa chọn không hợp lệ" in response.content.decode()


def test_a_unit_out_of_scope_answers_404(client, office_b, world, stored):
    term, _run = stored
    client.force_login(office_b)
    assert client.get(URL, {"unit": world.district_a.pk, "term": term.pk}).status_code == 404
    # and the province's stored figures are not theirs either (their own default unit is Huyện Bình)
    assert client.get(URL, {"unit": world.province.pk, "term": term.pk}).status_code == 404


def test_the_form11_workbook_has_the_paper_layout(client, board_officer, world, stored):
    term, run = stored
    client.force_login(board_officer)
    response = client.get(URL, {"unit": world.province.pk, "term": term.pk, "export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="bieu-11-btctw-2016-01-01-2020-12-31.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "TỈNH ỦY THỬ" and sheet["A2"].value == "BAN TỔ CHỨC" and sheet["A2"].font.underline
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A8:A9" in merged and "B8:B9" in merged  # "Chỉ tiêu" and "Tổng số" span the two header rows
    groups = {sheet.cell(8, c).value: c for c in range(1, sheet.max_column + 1) if sheet.cell(8, c).value}
    assert {"Cấp tỉnh quyết định", "Cấp huyện quyết định"} <= set(groups)
    # The total row: 3 in all, 2 "Huyện về xã", 1 "Tỉnh về huyện", stored as numbers with a thousands format.
    headers = {sheet.cell(9, c).value: c for c in range(1, sheet.max_column + 1)}
    total_row = next(r for r in range(11, sheet.max_row + 1) if sheet.cell(r, 1).value == "Tổng số")
    assert sheet.cell(total_row, 2).value == 3
    assert sheet.cell(total_row, headers["Huyện về xã"]).value == 2
    assert sheet.cell(total_row, headers["Tỉnh về huyện"]).value == 1
    assert sheet.cell(total_row, 2).number_format == "#,##0"
    footer = [sheet.cell(r, 1).value for r in range(total_row, sheet.max_row + 1)]
    assert "NGƯỜI LẬP BIỂU" in footer
    # CSV: the same grid, one line per row of the form.
    response = client.get(URL, {"unit": world.province.pk, "term": term.pk, "export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Chỉ tiêu", "Tổng số"]
    assert next(r for r in rows if r[0] == "Tổng số")[1] == "3"


def test_the_form11_workbook_stays_vietnamese_on_english_pages(client, board_officer, world, stored):
    term, _run = stored
    client.force_login(board_officer)
    client.cookies["django_language"] = "en"
    response = client.get(URL, {"unit": world.province.pk, "term": term.pk, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "BAN TỔ CHỨC" and sheet["A8"].value == "Chỉ tiêu"
