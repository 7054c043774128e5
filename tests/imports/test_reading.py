"""What the XLSX reader gives the checks: cells as the user sees them in Excel, at the rows Excel numbers."""

from __future__ import annotations

import datetime
import io

from openpyxl import Workbook

from imports.columns import COLUMNS
from imports.reading import read_table


def test_typed_cells_read_as_text_at_their_excel_rows_and_other_sheets_are_ignored():
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Ghi chú"
    notes.append(["Danh sách này không phải dữ liệu"])
    sheet = workbook.create_sheet("Cán bộ")
    sheet.append([])
    sheet.append(["Danh sách kèm theo công văn số 12"])
    headers = [column.header for column in COLUMNS["cadres"]]
    sheet.append(headers)
    row = dict.fromkeys(headers)
    row.update({"Họ và tên": "Hoàng Văn Thái", "Ngày sinh": datetime.date(1978, 4, 2), "Giới tính": "Nam"})
    row["Mã cán bộ"] = 1234  # a number cell: no ".0"
    sheet.append(list(row.values()))
    sheet.append([])  # an empty row is skipped, the next keeps its own number
    sheet.append(["NV-2", "Lò Thị Mai", "05/11/1990", "Nữ"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(data=buffer.getvalue(), file_name="a.xlsx", kind="cadres")

    assert (table.sheet_name, table.header_row) == ("Cán bộ", 3)
    assert [number for number, _ in table.rows] == [4, 6]
    first = dict(zip(table.headers, table.rows[0][1], strict=False))
    assert first["Mã cán bộ"] == "1234"
    assert first["Ngày sinh"] == "02/04/1978"
    assert table.rows[1][1][:4] == ["NV-2", "Lò Thị Mai", "05/11/1990", "Nữ"]
