"""Exports of any list to XLSX and CSV, with Vietnamese headers and no way for a cell to run a formula."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str  # or a lazy translation (gettext_lazy), rendered in the language of the request
    value: Callable[[object], object]


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values pass.

    A lazy translation (a choice label, say) becomes its text in the active language: openpyxl takes str only.
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (datetime.date, int, float)):
        return value
    return neutralise(str(value))


def export_response(*, columns: list[Column], rows: Iterable, file_format: str, filename: str) -> HttpResponse:
    """The rows as an XLSX (default) or CSV download."""
    if file_format == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a byte-order mark
        writer = csv.writer(buffer)
        writer.writerow([str(c.header) for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(_cell(c.value(row))) for c in columns])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Danh sách"))
    from openpyxl.cell import WriteOnlyCell

    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))  # a lazy translation is not a str to openpyxl
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(c.value(row)) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _csv_cell(value: object) -> object:
    if isinstance(value, datetime.date):
        return f"{value.day}/{value.month}/{value.year}"
    return value
