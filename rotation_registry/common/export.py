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
from xlsxwriter import Workbook

# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str  # or a lazy translation (gettext_lazy), rendered in the language of the request
    value: Callable[[object], object]


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values pass.

    A lazy translation (a choice label, say) becomes its text in the active language: writers take str only.
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
    buffer = io.BytesIO()
    _write_xlsx(buffer, columns, rows)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# XlsxWriter would otherwise turn text that looks like a formula, a URL or a number into one; a cell keeps what
# the registry holds. Dates show the Vietnamese way (23/8/2017).
_WORKBOOK_OPTIONS = {
    "constant_memory": True,  # rows go to a temporary file as they are written: memory stays flat
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "d/m/yyyy",
}


def _write_xlsx(output: io.BytesIO, columns: list[Column], rows: Iterable) -> None:
    workbook = Workbook(output, _WORKBOOK_OPTIONS)
    sheet = workbook.add_worksheet(_("Danh sách"))
    # A lazy translation is not a str to XlsxWriter: each header is rendered in the request's language.
    sheet.write_row(0, 0, [str(column.header) for column in columns], workbook.add_format({"bold": True}))
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [_cell(column.value(row)) for column in columns])
    workbook.close()


def _csv_cell(value: object) -> object:
    if isinstance(value, datetime.date):
        return f"{value.day}/{value.month}/{value.year}"
    return value
