"""Files that are refused before they are parsed: too large, zip bombs, XML attacks, not spreadsheets."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.checks.registry import registry
from django.test import override_settings
from openpyxl import Workbook
from openpyxl.styles import Font

from imports import reading
from imports.checks import defusedxml_active
from imports.columns import COLUMNS
from imports.models import ImportBatch
from imports.reading import ImportRefused, inspect_zip, read_table
from tests.imports import csv_bytes, upload, xlsx

CADRE = {"full_name": "Hoàng Văn Thái", "date_of_birth": "12/04/1978", "sex": "Nam"}


@pytest.fixture
def officer_client(client, board_officer, place):
    client.force_login(board_officer)
    return client


def refused(response) -> str:
    """The refusal shown on the upload page (and nothing stored)."""
    page = response.content.decode()
    assert "Không nhận tệp:" in page, page[:2000]
    assert not ImportBatch.objects.exists()
    return page


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip (xlsx) with some members replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>
"""


def test_the_xml_check_refuses_entity_declarations_and_the_system_check_says_so(monkeypatch):
    assert defusedxml_active(None) == []
    assert defusedxml_active in registry.get_checks()
    monkeypatch.setattr(reading, "check_xml_prolog", lambda content: None)
    assert [error.id for error in defusedxml_active(None)] == ["imports.E001"]


@override_settings(IMPORT_MAX_BYTES=2000)
def test_a_file_over_the_size_limit_is_refused(officer_client):
    data = xlsx("cadres", [CADRE] * 50)
    assert len(data) > 2000
    page = refused(upload(officer_client, "cadres", "lon.xlsx", data))
    assert "Tệp quá lớn" in page and "chỉ nhận tệp đến 2,0 KB" in page


@override_settings(IMPORT_MAX_BYTES=2000)
def test_an_oversized_request_is_refused_from_its_length_before_the_body_is_read(officer_client):
    body = b"x" * 200_000
    response = officer_client.post(
        "/imports/", data=body, content_type="multipart/form-data; boundary=zzz", HTTP_X_NOTE="too long"
    )
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()


def test_the_service_checks_the_size_before_reading_the_content():
    with override_settings(IMPORT_MAX_BYTES=10):
        with pytest.raises(ImportRefused, match="Tệp quá lớn"):
            read_table(data=b"%PDF-1.7 not even looked at", file_name="a.xlsx", kind="cadres")


def test_a_zip_bomb_is_refused_from_its_central_directory(officer_client):
    # 50 MB of zeros compress to about 50 KB: a ratio of about 1000:1.
    bomb = rezip(xlsx("cadres", [CADRE]), add={"xl/media/zeros.bin": bytes(50 * 1024 * 1024)})
    assert len(bomb) < 200_000
    page = refused(upload(officer_client, "cadres", "bom.xlsx", bomb))
    assert "bom nén" in page and "xl/media/zeros.bin" in page and ":1" in page


def test_zip_limits_on_entries_and_total_size():
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for index in range(20):
            archive.writestr(f"xl/part{index}.xml", b"<a/>")
    with pytest.raises(ImportRefused, match="20 thành phần, quá giới hạn 10"):
        inspect_zip(many.getvalue(), max_entries=10)
    big = rezip(xlsx("cadres", [CADRE]), add={"xl/media/ones.bin": os.urandom(300_000)})
    with pytest.raises(ImportRefused, match="khi giải nén tệp chiếm"):
        inspect_zip(big, max_total=200_000)


def test_a_billion_laughs_xlsx_is_refused(officer_client):
    # The sheet itself declares the entities; its first cell would expand to 10^9 "lol"s.
    sheet = BILLION_LAUGHS.replace(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', b"")
    sheet = sheet.split(b"]>")[0] + (
        b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    data = rezip(xlsx("cadres", [CADRE]), replace={"xl/worksheets/sheet1.xml": sheet})
    page = refused(upload(officer_client, "cadres", "cuoi.xlsx", data))
    assert "khai báo XML không an toàn" in page


def test_a_billion_laughs_in_the_workbook_part_is_refused_too():
    workbook_xml = BILLION_LAUGHS.replace(b"<sst", b"<workbook").replace(b"</sst>", b"</workbook>")
    data = rezip(xlsx("cadres", [CADRE]), replace={"xl/workbook.xml": workbook_xml})
    with pytest.raises(ImportRefused, match="khai báo XML không an toàn"):
        read_table(data=data, file_name="a.xlsx", kind="cadres")


def test_a_billion_laughs_under_a_name_that_is_not_xml_is_refused_too():
    # A relationship may point at a part of any name: the part is checked because its content is XML.
    sheet = BILLION_LAUGHS.replace(b"<sst", b"<worksheet").replace(b"</sst>", b"</worksheet>")
    data = rezip(xlsx("cadres", [CADRE]), add={"xl/worksheets/sheet9.dat": sheet})
    with pytest.raises(ImportRefused, match="khai báo XML không an toàn"):
        read_table(data=data, file_name="a.xlsx", kind="cadres")


def _declare_smaller(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size written as `size` in its local and central headers."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    patched = bytearray(data)
    patched[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02"))
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    patched[central + 24 : central + 28] = size.to_bytes(4, "little")
    return bytes(patched)


def test_a_part_longer_than_its_declared_size_is_refused_not_inflated():
    # The reader only ever sees parts copied at their declared sizes: one that inflates further is refused.
    data = xlsx("cadres", [CADRE] * 200)
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size
    with pytest.raises(ImportRefused, match="Không đọc được bảng tính"):
        truncated = _declare_smaller(data, "xl/worksheets/sheet1.xml", size // 2)
        read_table(data=truncated, file_name="a.xlsx", kind="cadres")


def test_a_sheet_spread_over_millions_of_cells_is_refused_before_it_is_read():
    # 5 KB: A1 and XFD1048576. The reader would allocate every cell between them (550 GB) and abort the process.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.header for c in COLUMNS["cadres"]])
    sheet.append(["NV-1", "Hoàng Văn Thái", "12/04/1978", "Nam"])
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportRefused, match="trải tới dòng 1.048.576, cột 16.384") as caught:
        read_table(data=buffer.getvalue(), file_name="a.xlsx", kind="cadres")
    assert "quá giới hạn 3.000.000 ô" in caught.value.message
    # A far cell with formatting and no value is not data: the sheet is read.
    del sheet["XFD1048576"]
    sheet["XFD1048576"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(read_table(data=buffer.getvalue(), file_name="a.xlsx", kind="cadres").rows) == 1


def test_the_sheet_extent_counts_references_past_xfd_and_cells_placed_without_references():
    too_far = b'<sheetData><row r="1000"><c r="AAAAA1000"><v>1</v></c></row></sheetData>'
    with pytest.raises(ImportRefused, match="cột 475.255"):
        reading._check_sheet_extent(too_far)
    # No references: rows follow each other and cells follow each other in their row.
    wide = b"<x:sheetData><x:row>" + b"<x:c><x:v>1</x:v></x:c>" * 3 + b"</x:row></x:sheetData>"
    reading._check_sheet_extent(wide)
    with pytest.raises(ImportRefused, match="dòng 1.001, cột 3.000"):
        reading._check_sheet_extent(b'<row r="1000"/><row>' + b"<c><v>1</v></c>" * 3000 + b"</row>")


def test_a_pdf_renamed_xlsx_is_refused(officer_client):
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    page = refused(upload(officer_client, "cadres", "quyet-dinh.xlsx", pdf))
    assert "là tệp PDF, không phải bảng tính" in page


def test_binary_garbage_named_csv_is_refused(officer_client):
    garbage = bytes(range(256)) * 40 + os.urandom(4000)
    page = refused(upload(officer_client, "cadres", "danh-sach.csv", garbage))
    assert "không phải văn bản CSV" in page


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("cu.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97–2003 (.xls)"),
        ("a.xlsx", b"Ho va ten,Ngay sinh\n", "không phải bảng tính Excel"),
        ("a.csv", b"PK\x03\x04" + bytes(100), "nội dung là tệp nén"),
        ("a.docx", b"PK\x03\x04" + bytes(100), "Chỉ nhận tệp Excel (.xlsx) hoặc CSV"),
        ("a.csv", "Họ và tên".encode("utf-16"), "mã UTF-16"),
        ("a.xlsx", b"PK\x03\x04broken", "bị hỏng"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_with_the_reason(name, data, expected):
    with pytest.raises(ImportRefused) as caught:
        read_table(data=data, file_name=name, kind="cadres")
    assert expected in caught.value.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("word/document.xml", b"<w/>")
    with pytest.raises(ImportRefused, match="không phải bảng tính Excel"):
        read_table(data=other.getvalue(), file_name="a.xlsx", kind="cadres")


def test_missing_required_columns_are_named(officer_client):
    data = csv_bytes("cadres", [CADRE]).decode("utf-8-sig").replace("Ngày sinh", "Năm sinh").encode()
    page = refused(upload(officer_client, "cadres", "a.csv", data))
    assert "thiếu cột bắt buộc: “Ngày sinh”" in page


def test_a_file_of_the_other_kind_says_so(officer_client):
    data = xlsx("decisions", [{"symbol": "15-QĐ/TU"}])
    page = refused(upload(officer_client, "cadres", "qd.xlsx", data))
    assert "có các cột của mẫu “Quyết định và luân chuyển”" in page


def test_a_header_below_a_title_row_is_found_and_rows_keep_their_sheet_numbers(officer_client):
    from tests.imports import uploaded_batch

    batch = uploaded_batch(officer_client, "cadres", "a.xlsx", xlsx("cadres", [CADRE], extra_rows_before=2))
    assert batch.header_row == 3
    assert [r["row"] for r in batch.results] == [4]


def test_an_empty_template_is_refused_with_a_message(officer_client):
    from django.urls import reverse

    template = officer_client.get(reverse("imports:template", args=["cadres"])).content
    page = refused(upload(officer_client, "cadres", "mau.xlsx", template))
    assert "không có dòng dữ liệu nào" in page
