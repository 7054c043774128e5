"""Biểu 11-BTCTW as a workbook in the paper form's layout, and as CSV.

Numbers are stored as numbers with the format `#,##0`: Excel and LibreOffice show them with the
reader's separators, which on a Vietnamese system is 4.200. Text that came from users (unit names)
goes through the same formula neutralisation as every export.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from reports.form11_layout import Form11Layout
from rotation_registry.common.export import neutralise

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
FONT = "Times New Roman"
NUMBER_FORMAT = "#,##0"


def _font(**kwargs) -> Font:
    return Font(name=FONT, size=kwargs.pop("size", 12), **kwargs)


def form11_workbook(grid: Form11Layout) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Biểu 11-BTCTW"
    last = grid.column_count  # column index of the last figure column
    half = max(2, last // 2)

    def merged(row: int, first: int, final: int, text: str, **style) -> None:
        if final > first:
            sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=final)
        cell = sheet.cell(row=row, column=first, value=neutralise(text))
        cell.font = _font(**style.pop("font", {}))
        cell.alignment = style.pop("alignment", CENTRE)

    # The header: committee and board on the left, the form's number on the right.
    merged(1, 1, half, grid.committee, font={"bold": False})
    merged(2, 1, half, grid.board, font={"bold": True, "underline": "single"})
    merged(3, 1, half, "*")
    merged(1, half + 1, last, grid.form_number, font={"bold": True})
    merged(5, 1, last, grid.title, font={"bold": True, "size": 14})
    merged(6, 1, last, f"({grid.period} — {grid.scope})", font={"italic": True})

    # The table head: groups over their directions, then the column numbers.
    top, bottom, numbers = 8, 9, 10
    column = 1
    below = iter(grid.header_bottom)
    for cell in grid.header_top:
        if cell.rowspan == 2:
            sheet.merge_cells(start_row=top, start_column=column, end_row=bottom, end_column=column)
            _head(sheet.cell(row=top, column=column, value=cell.text))
            column += 1
            continue
        sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=column + cell.colspan - 1)
        _head(sheet.cell(row=top, column=column, value=cell.text))
        for offset in range(cell.colspan):
            _head(sheet.cell(row=bottom, column=column + offset, value=next(below).text))
        column += cell.colspan
    for index, number in enumerate(grid.numbers, start=1):
        cell = sheet.cell(row=numbers, column=index, value=number)
        cell.font, cell.alignment, cell.border = _font(italic=True, size=11), CENTRE, BOX
    for row in range(top, bottom + 1):
        for col in range(1, last + 1):
            sheet.cell(row=row, column=col).border = BOX

    # The figures.
    row_number = numbers
    for row in grid.rows:
        row_number += 1
        label = sheet.cell(row=row_number, column=1, value=neutralise(row.label))
        label.font = _font(bold=row.indent == 0 and not row.heading, italic=row.heading)
        label.alignment = Alignment(indent=row.indent * 2, vertical="center", wrap_text=True)
        label.border = BOX
        for offset, value in enumerate(row.values, start=2):
            cell = sheet.cell(row=row_number, column=offset, value=value)
            cell.number_format, cell.border = NUMBER_FORMAT, BOX
            cell.font, cell.alignment = _font(bold=row.indent == 0), Alignment(horizontal="right")

    # The footer: who drew it up and who signs.
    footer = row_number + 2
    merged(footer, 1, half, "NGƯỜI LẬP BIỂU", font={"bold": True})
    merged(footer + 1, 1, half, "(Ký, ghi rõ họ tên)", font={"italic": True})
    merged(footer, half + 1, last, "TRƯỞNG BAN", font={"bold": True})
    merged(footer + 1, half + 1, last, "(Ký tên, đóng dấu)", font={"italic": True})

    sheet.column_dimensions["A"].width = 38
    for index in range(2, last + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.row_dimensions[bottom].height = 60
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.freeze_panes = sheet.cell(row=numbers + 1, column=2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _head(cell) -> None:
    cell.font, cell.alignment, cell.border = _font(bold=True, size=11), CENTRE, BOX


def form11_csv(grid: Form11Layout) -> str:
    """One line per row of the form, one column per column of the form (headings included, empty)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 CSV only with a byte-order mark
    writer = csv.writer(buffer)
    labels = [grid.header_top[1].text, *(cell.text for cell in grid.header_bottom), grid.header_top[-1].text]
    writer.writerow([grid.header_top[0].text, *labels])
    for row in grid.rows:
        values = ["" if value is None else value for value in row.values]
        writer.writerow([neutralise("  " * row.indent + row.label), *values])
    return buffer.getvalue()
