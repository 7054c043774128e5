"""Reading an uploaded file safely: size, type, zip bombs and XML attacks are refused before parsing.

Order of the checks (each refusal is an ImportRefused with a Vietnamese message):
1. size against settings.IMPORT_MAX_BYTES (the view also refuses a too-long request before reading it);
2. the file's first bytes: an XLSX is a zip ("PK\\x03\\x04"); PDF, old .xls and other binaries are named;
3. for XLSX, the zip central directory, before any XML is parsed: number of entries, total declared
   uncompressed size and compression ratio;
4. every part of the XLSX is inflated by Python's zipfile, which never inflates past the declared size and
   checks each part's CRC, and its XML parts are copied into a new, uncompressed zip: the reader below only
   ever sees XML parts of the declared sizes. Each one's prolog goes through defusedxml on the way: DTDs with
   entities (billion laughs, external entities) raise and are refused; a sheet whose cells spread over more
   than MAX_SHEET_CELLS (from A1 to its farthest cell) is refused before the reader would allocate them all;
5. the copy is read by calamine (python-calamine, Rust), which itself resolves no DTD or entity: 20 times
   faster than openpyxl's reader (a 20,000-row sheet in 0,6 s instead of 12 s, docs/performance.md);
6. for CSV, the bytes must be UTF-8 text (with or without BOM); Windows-1258 (the Vietnamese ANSI
   code page of older Excel) is accepted only when the header row is then recognised.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext

from imports.columns import (
    NOT_DATA_SHEETS,
    SHEET_NAMES,
    HeaderMatch,
    match_headers,
)
from imports.models import ImportKind
from rotation_registry.common.formatting import format_number

# Zip (XLSX) limits: a real 20,000-row sheet is about 1 MB compressed, 13:1 (docs/import-format.md).
MAX_ZIP_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Below this size an entry cannot hurt, whatever its ratio (styles.xml often compresses 20:1).
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_COLUMNS = 60
# The reader (calamine) lays a sheet out as one rectangle from A1 to its farthest cell with a value, memory
# for every cell of it allocated at once: a 5 KB file with a value in XFD1048576 asks for 550 GB and kills the
# process. 50,000 rows × 60 columns is far more than any import needs.
MAX_SHEET_CELLS = 3_000_000
MAX_CELL_CHARS = 2000
HEADER_SEARCH_ROWS = 10
DEFAULT_MAX_ROWS = 50_000

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
PDF_MAGIC = b"%PDF"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls 97–2003 and password-protected workbooks
ALLOWED_SUFFIXES = (".xlsx", ".csv")
# What a damaged or foreign file makes zipfile or the XML check raise (besides defusedxml's refusals).
UNREADABLE_ERRORS = (
    zipfile.BadZipFile,
    NotImplementedError,  # a compression method zipfile cannot inflate
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportRefused(Exception):
    """The file is refused as a whole; `message` says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The rows of the sheet as text, with their row numbers in the sheet (as the user sees them)."""

    file_format: str
    sheet_name: str
    encoding: str
    header_row: int
    headers: list[str | None]
    rows: list[list]  # [[row number, [cell text or None, ...]], ...]
    header_match: HeaderMatch


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{format_number(size / (1024 * 1024), 1)} MB"
    return f"{format_number(max(size, 1) / 1024, 1)} KB"


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRefused(
            gettext("Tệp quá lớn (%(size)s); chỉ nhận tệp đến %(limit)s. Hãy chia danh sách thành nhiều tệp nhỏ hơn.")
            % {"size": size_text(size), "limit": size_text(limit)}
        )
    if size == 0:
        raise ImportRefused(gettext("Tệp rỗng (0 byte); hãy chọn lại tệp."))


def read_table(*, data: bytes, file_name: str, kind: str) -> Table:
    """The checked, parsed table of an upload, or ImportRefused."""
    check_size(len(data))
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ImportRefused(
            gettext("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv); tệp “%(file)s” có đuôi “%(suffix)s”.")
            % {"file": file_name, "suffix": suffix or gettext("(không có)")}
        )
    head = data[:8]
    if head.startswith(PDF_MAGIC):
        raise ImportRefused(
            gettext("Tệp “%(file)s” là tệp PDF, không phải bảng tính. Hãy dùng tệp mẫu .xlsx.") % {"file": file_name}
        )
    if head.startswith(OLE_MAGIC):
        raise ImportRefused(
            gettext(
                "Tệp “%(file)s” là tệp Excel 97–2003 (.xls) hoặc tệp có đặt mật khẩu. Hãy mở bằng Excel, "
                "bỏ mật khẩu (nếu có) và lưu lại dạng “Excel Workbook (.xlsx)”."
            )
            % {"file": file_name}
        )
    is_zip = head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC)
    if suffix == ".xlsx":
        if not is_zip:
            raise ImportRefused(
                gettext(
                    "Tệp “%(file)s” có đuôi .xlsx nhưng nội dung không phải bảng tính Excel. "
                    "Hãy mở tệp bằng Excel và lưu lại dạng .xlsx."
                )
                % {"file": file_name}
            )
        return _read_xlsx(data, file_name, kind)
    if is_zip:
        raise ImportRefused(
            gettext("Tệp “%(file)s” có đuôi .csv nhưng nội dung là tệp nén (có thể là .xlsx); hãy đặt đúng đuôi tệp.")
            % {"file": file_name}
        )
    return _read_csv(data, file_name, kind)


# --- XLSX ---


def inspect_zip(
    data: bytes,
    *,
    max_entries: int = MAX_ZIP_ENTRIES,
    max_total: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: int = MAX_COMPRESSION_RATIO,
) -> zipfile.ZipFile:
    """Open the zip and check its central directory (declared sizes) before anything is inflated."""

    def bomb(detail: str) -> ImportRefused:
        return ImportRefused(
            gettext("Tệp bị từ chối vì có dấu hiệu “bom nén” (zip bomb): %(detail)s") % {"detail": detail}
        )

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportRefused(
            gettext("Tệp .xlsx bị hỏng (không đọc được cấu trúc tệp nén); hãy lưu lại tệp bằng Excel.")
        ) from exc
    if len(infos) > max_entries:
        raise bomb(
            gettext("tệp có %(count)s thành phần, quá giới hạn %(limit)s.")
            % {"count": format_number(len(infos)), "limit": max_entries}
        )
    total = sum(info.file_size for info in infos)
    if total > max_total:
        raise bomb(
            gettext("khi giải nén tệp chiếm %(size)s, quá giới hạn %(limit)s.")
            % {"size": size_text(total), "limit": size_text(max_total)}
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise ImportRefused(gettext("Tệp .xlsx có đặt mật khẩu; hãy bỏ mật khẩu rồi gửi lại."))
        if info.file_size >= RATIO_CHECK_FROM_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise bomb(
                gettext("thành phần “%(name)s” nén với tỉ lệ %(ratio)s:1, quá giới hạn %(limit)s:1.")
                % {"name": info.filename, "ratio": format_number(ratio), "limit": max_ratio}
            )
    if total >= RATIO_CHECK_FROM_BYTES and total > max_ratio * len(data):
        raise bomb(gettext("tỉ lệ nén của cả tệp vượt %(limit)s:1.") % {"limit": max_ratio})
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused(
            gettext("Tệp là tệp nén nhưng không phải bảng tính Excel (.xlsx). Hãy dùng tệp mẫu tải về từ trang này.")
        )
    return archive


def _read_xlsx(data: bytes, file_name: str, kind: str) -> Table:
    from defusedxml import DefusedXmlException
    from python_calamine import CalamineError, CalamineWorkbook

    unreadable = ImportRefused(
        gettext(
            "Không đọc được bảng tính trong tệp “%(file)s” (tệp hỏng hoặc không đúng định dạng .xlsx); "
            "hãy mở bằng Excel và lưu lại."
        )
        % {"file": file_name}
    )
    archive = inspect_zip(data)
    try:
        checked = _checked_copy(archive)
    except DefusedXmlException as exc:
        raise ImportRefused(
            gettext(
                "Tệp bị từ chối vì chứa khai báo XML không an toàn (DTD, thực thể XML — kiểu tấn công "
                "“billion laughs”). Tệp lưu bằng Excel không có những khai báo này."
            )
        ) from exc
    except UNREADABLE_ERRORS as exc:
        raise unreadable from exc
    finally:
        archive.close()
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(checked))
    except (CalamineError, *UNREADABLE_ERRORS) as exc:
        raise unreadable from exc
    try:
        return _table_from_workbook(workbook, kind)
    except (CalamineError, *UNREADABLE_ERRORS) as exc:
        raise unreadable from exc
    finally:
        workbook.close()


def _checked_copy(archive: zipfile.ZipFile) -> bytes:
    """The workbook's parts, each inflated by zipfile (at most its declared size, CRC checked) and each XML
    part's prolog checked by defusedxml, stored uncompressed in a new zip for calamine."""
    copy = io.BytesIO()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as target:
        for info in archive.infolist():
            if info.is_dir():
                continue
            content = archive.read(info)
            if not _looks_like_xml(info.filename, content):
                continue  # images, printer settings, macros: nothing the reader needs for the cells
            check_xml_prolog(content)
            if b"sheetData" in content:
                _check_sheet_extent(content)
            target.writestr(info.filename, content)
    return copy.getvalue()


# A row or cell start tag (with or without a namespace prefix) and its attributes; a cell's reference "B12".
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])([^>]*)>")
# Any length: a reference past XFD1048576 is invalid, but must count as far as it reaches.
_REFERENCE = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")


def _check_sheet_extent(content: bytes) -> None:
    """Refuse a sheet whose rectangle from A1 to its farthest cell with a value exceeds MAX_SHEET_CELLS.

    Rows and cells are placed as a reader places them: by their `r` reference, or after the previous one.
    A self-closing cell has no value and is not counted (the reader skips it too); an empty `<c></c>` is
    counted, which can only overestimate."""
    row = column = rows = columns = 0
    for match in _ROW_OR_CELL.finditer(content):
        tag, attributes = match.groups()
        reference = _REFERENCE.search(attributes)
        letters, digits = reference.groups() if reference else (b"", b"")
        if tag == b"row":
            row = int(digits) if digits else row + 1
            column = 0
            continue
        column = _column_number(letters) if letters else column + 1
        if digits:
            row = int(digits)
        if not attributes.endswith(b"/"):
            rows, columns = max(rows, row), max(columns, column)
    if rows * columns > MAX_SHEET_CELLS:
        raise ImportRefused(
            gettext(
                "Trang tính có dữ liệu trải tới dòng %(rows)s, cột %(columns)s (%(cells)s ô), quá giới hạn "
                "%(limit)s ô. Hãy xóa các ô có dữ liệu nằm xa bên ngoài bảng rồi lưu lại."
            )
            % {
                "rows": format_number(rows),
                "columns": format_number(columns),
                "cells": format_number(rows * columns),
                "limit": format_number(MAX_SHEET_CELLS),
            }
        )


def _column_number(letters: bytes) -> int:
    """b"A" -> 1, b"AB" -> 28, b"XFD" -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _looks_like_xml(name: str, content: bytes) -> bool:
    """By name or by content: a relationship may point at an XML part under any name."""
    if name.lower().endswith((".xml", ".rels", ".vml")):
        return True
    start = content[:64].lstrip(b" \t\r\n")
    return start.startswith((b"<", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def check_xml_prolog(content: bytes) -> None:
    """defusedxml raises on an entity declaration or external reference; declarations can only come before
    the root element, so parsing stops at its start tag (the first 16 KB chunk, whatever the part's size)."""
    from defusedxml.ElementTree import iterparse

    for _event in iterparse(io.BytesIO(content), events=("start",)):
        return


def cell_text(value) -> str | None:
    """A cell as text: dates as dd/mm/yyyy, whole numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value)[:MAX_CELL_CHARS]
    return text if text.strip() else None


def _clean_row(values) -> list[str | None]:
    cells = [cell_text(v) for v in list(values)[:MAX_COLUMNS]]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def _find_header(kind: str, first_rows: list[tuple[int, list]]) -> tuple[int, list, HeaderMatch] | None:
    best = None
    for number, cells in first_rows:
        match = match_headers(kind, cells)
        if match.score and (best is None or match.score > best[2].score):
            best = (number, cells, match)
    return best


def _refuse_headers(kind: str, found: tuple[int, list, HeaderMatch] | None, first_rows, where: str) -> None:
    """Refuse a sheet whose header row lacks required columns, saying which (or which kind it looks like)."""
    other = ImportKind.DECISIONS if kind == ImportKind.CADRES else ImportKind.CADRES
    other_found = _find_header(other, first_rows)
    if other_found is not None and not other_found[2].missing and (found is None or found[2].missing):
        raise ImportRefused(
            gettext(
                "%(where)s có các cột của mẫu “%(other)s”, không phải “%(kind)s”; "
                "hãy chọn đúng loại dữ liệu khi gửi tệp."
            )
            % {"where": where, "other": ImportKind(other).label, "kind": ImportKind(kind).label}
        )
    if found is None:
        raise ImportRefused(
            gettext(
                "%(where)s không có dòng tiêu đề nào khớp mẫu “%(kind)s” (tìm trong "
                "%(rows)s dòng đầu). Hãy dùng tệp mẫu tải về từ trang này."
            )
            % {"where": where, "kind": ImportKind(kind).label, "rows": HEADER_SEARCH_ROWS}
        )
    number, _, match = found
    if match.duplicates:
        raise ImportRefused(
            gettext("%(where)s, dòng %(row)s: cột “%(column)s” xuất hiện hai lần.")
            % {"where": where, "row": number, "column": match.duplicates[0]}
        )
    missing = ", ".join(f"“{c.header}”" for c in match.missing)
    raise ImportRefused(
        gettext("%(where)s, dòng tiêu đề %(row)s thiếu cột bắt buộc: %(columns)s.")
        % {"where": where, "row": number, "columns": missing}
    )


def _table_from_workbook(workbook, kind: str) -> Table:
    from python_calamine import SheetTypeEnum

    names = [
        sheet.name
        for sheet in workbook.sheets_metadata
        if sheet.typ == SheetTypeEnum.WorkSheet and sheet.name not in NOT_DATA_SHEETS
    ]
    if not names:
        raise ImportRefused(gettext("Bảng tính không có trang dữ liệu nào (chỉ có trang Hướng dẫn/Ví dụ)."))
    # The sheet named as in the template first, then the others in order.
    names.sort(key=lambda name: name != SHEET_NAMES[kind])
    candidates = []
    for name in names:
        # From A1 (not from the first filled cell), so row numbers are the ones the user sees in Excel.
        values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        first_rows = []
        for number, row in enumerate(values[:HEADER_SEARCH_ROWS], start=1):
            cells = _clean_row(row)
            if any(cells):
                first_rows.append((number, cells))
        found = _find_header(kind, first_rows)
        if found is not None and not found[2].missing and not found[2].duplicates:
            return _sheet_table(name, values, kind, found)
        candidates.append((name, first_rows, found))
    name, first_rows, found = max(candidates, key=lambda c: c[2][2].score if c[2] else -1)
    _refuse_headers(kind, found, first_rows, gettext("Trang “%(sheet)s”") % {"sheet": name})
    raise AssertionError("unreachable")


def _sheet_table(sheet_name: str, values: list[list], kind: str, found: tuple[int, list, HeaderMatch]) -> Table:
    header_row, headers, match = found
    limit = max_rows()
    rows: list[list] = []
    for number, row in enumerate(values[header_row:], start=header_row + 1):
        cells = _clean_row(row)
        if not any(cells):
            continue
        rows.append([number, cells])
        if len(rows) > limit:
            raise ImportRefused(
                gettext("Trang “%(sheet)s” có hơn %(limit)s dòng dữ liệu; hãy chia thành nhiều tệp.")
                % {"sheet": sheet_name, "limit": format_number(limit)}
            )
    return Table(
        file_format="xlsx",
        sheet_name=sheet_name,
        encoding="",
        header_row=header_row,
        headers=headers,
        rows=rows,
        header_match=match,
    )


# --- CSV ---


def _decode_csv(data: bytes, file_name: str) -> list[tuple[str, str]]:
    """Candidate decodings, best first: (text, encoding name)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(
            gettext("Tệp “%(file)s” là văn bản mã UTF-16; hãy lưu lại dạng “CSV UTF-8 (Comma delimited)”.")
            % {"file": file_name}
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return [(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig")]
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                gettext("Tệp “%(file)s” ghi là UTF-8 nhưng có byte không hợp lệ; hãy lưu lại.") % {"file": file_name}
            ) from exc
    try:
        return [(data.decode("utf-8"), "utf-8")]
    except UnicodeDecodeError:
        pass
    try:
        return [(data.decode("cp1258"), "windows-1258")]
    except UnicodeDecodeError:
        return []


def _not_text(file_name: str) -> ImportRefused:
    return ImportRefused(
        gettext(
            "Tệp “%(file)s” không phải văn bản CSV (có ký tự nhị phân hoặc bảng mã không đọc được). "
            "Hãy dùng tệp .xlsx, hoặc lưu từ Excel dạng “CSV UTF-8 (Comma delimited)”."
        )
        % {"file": file_name}
    )


def _delimiter(kind: str, text: str) -> str:
    """Comma, semicolon (Excel where the decimal mark is a comma) or tab: whichever reveals the headers."""
    lines = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS * 2] if line.strip()][:HEADER_SEARCH_ROWS]

    def score(delimiter: str) -> int:
        rows = [(n, next(csv.reader([line], delimiter=delimiter), [])) for n, line in enumerate(lines, start=1)]
        found = _find_header(kind, rows)
        return found[2].score if found else 0

    return max((",", ";", "\t"), key=score)


def _read_csv(data: bytes, file_name: str, kind: str) -> Table:
    decodings = _decode_csv(data, file_name)
    if not decodings:
        raise _not_text(file_name)
    text, encoding = decodings[0]
    if _CONTROL_CHARS.search(text):
        raise _not_text(file_name)
    delimiter = _delimiter(kind, text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportRefused(
            gettext("Tệp CSV “%(file)s” bị hỏng (dòng %(error)s); hãy lưu lại từ Excel.")
            % {"file": file_name, "error": exc}
        ) from exc
    first_rows = []
    for number, record in enumerate(records[:HEADER_SEARCH_ROWS], start=1):
        cells = _clean_row(record)
        if any(cells):
            first_rows.append((number, cells))
    found = _find_header(kind, first_rows)
    if found is None or found[2].missing or found[2].duplicates:
        if encoding == "windows-1258":
            # Only a recognised header proves the guess of the code page; otherwise it is not text we know.
            raise _not_text(file_name)
        _refuse_headers(kind, found, first_rows, gettext("Tệp “%(file)s”") % {"file": file_name})
    header_row, headers, match = found
    limit = max_rows()
    rows: list[list] = []
    for number, record in enumerate(records[header_row:], start=header_row + 1):
        cells = _clean_row(record)
        if any(cells):
            rows.append([number, cells])
    if len(rows) > limit:
        raise ImportRefused(
            gettext("Tệp có hơn %(limit)s dòng dữ liệu; hãy chia thành nhiều tệp.") % {"limit": format_number(limit)}
        )
    return Table(
        file_format="csv",
        sheet_name="",
        encoding=encoding,
        header_row=header_row,
        headers=headers,
        rows=rows,
        header_match=match,
    )
