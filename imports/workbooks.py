"""Workbooks the import hands out: the template of each kind and the error report of a batch."""

from __future__ import annotations

import io

from django.utils import translation
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from imports.columns import (
    COLUMNS,
    EXAMPLES_SHEET,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    REPORT_COLUMN,
    SHEET_NAMES,
    columns_by_header,
    header_key,
)
from imports.models import ImportBatch, ImportKind
from rotation_registry.common.export import neutralise

AUTHOR = "Sổ luân chuyển cán bộ"
REQUIRED_FILL = PatternFill("solid", fgColor="F4CCCC")
OPTIONAL_FILL = PatternFill("solid", fgColor="E6E6EA")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
ERROR_FONT = Font(color="9C0006")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TEMPLATE_ROWS = 2000  # drop-down lists and text format cover this many rows

# Example rows, taken from the Lạng Sơn demo (docs/demo.md): importing them into the demo changes nothing.
EXAMPLES = {
    ImportKind.CADRES: [
        {
            "personal_id": "LS-00001",
            "full_name": "Nông Minh Cường",
            "date_of_birth": "12/04/1978",
            "sex": "Nam",
            "ethnicity": "Nùng",
            "professional_level": "Thạc sĩ",
            "professional_field": "Kinh tế",
            "political_theory": "Trung cấp",
            "party_entry_date": "19/03/2002",
            "management_category": "BTV Huyện ủy",
            "unit": "Đảng ủy xã Tú Đoạn",
        },
        {
            "personal_id": "LS-00002",
            "full_name": "Lý Hoàng Long",
            "date_of_birth": "03/09/1980",
            "sex": "Nam",
            "ethnicity": "Tày",
            "professional_level": "Đại học",
            "professional_field": "Sư phạm",
            "political_theory": "Sơ cấp",
            "party_entry_date": "19/03/2004",
            "management_category": "BTV Huyện ủy",
            "unit": "Đảng ủy xã Hòa Sơn",
        },
        {
            "personal_id": "LS-00004",
            "full_name": "Trần Lệnh Trưởng",
            "date_of_birth": "08/11/1979",
            "sex": "Nam",
            "ethnicity": "Kinh",
            "professional_level": "Đại học",
            "professional_field": "Kế toán",
            "political_theory": "Cử nhân",
            "party_entry_date": "19/03/2003",
            "management_category": "BTV Huyện ủy",
            "unit": "Đảng ủy phường Chi Lăng",
        },
        {
            "full_name": "Hoàng Thị Mai",
            "date_of_birth": "25/07/1988",
            "sex": "Nữ",
            "ethnicity": "Tày",
            "professional_level": "Đại học",
            "professional_field": "Luật",
            "management_category": "BTV Huyện ủy",
            "unit": "Xã Chi Lăng, Huyện Tràng Định",
        },
    ],
    ImportKind.DECISIONS: [
        {
            "symbol": "16-QĐ/HU",
            "date": "08/03/2018",
            "issuing_unit": "Huyện ủy Lộc Bình",
            "summary": "Về việc luân chuyển cán bộ",
            "signer_title": "T/M BAN THƯỜNG VỤ",
            "personal_id": "LS-00001",
            "full_name": "Nông Minh Cường",
            "date_of_birth": "12/04/1978",
            "kind": "Luân chuyển",
            "purpose": "Đào tạo, rèn luyện thực tiễn",
            "origin_unit": "Phòng Lao động, Thương binh, Xã hội – Dân tộc huyện Lộc Bình",
            "origin_title": "Trưởng phòng",
            "dest_unit": "Đảng ủy xã Tú Đoạn",
            "dest_title": "Bí thư",
            "start_date": "15/03/2018",
            "planned_months": "36",
            "actual_end": "20/03/2021",
            "outcome": "Ổn định tại nơi đến",
        },
        {
            "symbol": "17-QĐ/HU",
            "date": "03/04/2019",
            "issuing_unit": "Huyện ủy Hữu Lũng",
            "summary": "Về việc luân chuyển cán bộ",
            "signer_title": "T/M BAN THƯỜNG VỤ",
            "personal_id": "LS-00002",
            "full_name": "Lý Hoàng Long",
            "date_of_birth": "03/09/1980",
            "kind": "Luân chuyển",
            "purpose": "Đào tạo, rèn luyện thực tiễn",
            "origin_unit": "Ban Tổ chức Huyện ủy Hữu Lũng",
            "origin_title": "Phó Trưởng ban",
            "dest_unit": "Đảng ủy xã Hòa Sơn, Huyện Hữu Lũng",
            "dest_title": "Bí thư",
            "start_date": "10/04/2019",
            "actual_end": "15/04/2022",
            "outcome": "Ổn định tại nơi đến",
        },
        {
            "symbol": "20-QĐ/HU",
            "date": "08/12/2018",
            "issuing_unit": "Huyện ủy Bình Gia",
            "summary": "Về việc luân chuyển cán bộ",
            "signer_title": "T/M BAN THƯỜNG VỤ",
            "personal_id": "LS-00005",
            "full_name": "Nông Ngọc Duy",
            "date_of_birth": "21/06/1986",
            "kind": "Luân chuyển",
            "purpose": "Khác",
            "origin_unit": "Đảng ủy xã Thiện Thuật",
            "origin_title": "Bí thư",
            "dest_unit": "Ban Tổ chức Huyện ủy Bình Gia",
            "dest_title": "Phó Trưởng ban",
            "start_date": "15/12/2018",
            "override_codes": "R-EQUIVALENT",
            "override_reason": "Cán bộ trẻ có năng lực nổi trội sau thời gian luân chuyển ở cơ sở.",
            "override_reference": "Kế hoạch 39-KH/HU ngày 11/4/2017",
        },
    ],
}

GENERAL_NOTES = {
    ImportKind.CADRES: [
        "Mỗi dòng là một cán bộ. Dòng 1 là tiêu đề cột; không đổi tên cột (có thể bỏ bớt cột không bắt buộc).",
        "Cán bộ đã có trong sổ được nhận ra theo Mã cán bộ; nếu không ghi mã, theo họ và tên cùng ngày sinh. "
        "Nhập lại cùng một tệp không thay đổi gì.",
        "Ô để trống không xóa dữ liệu đã có trong sổ; muốn xóa một thông tin, sửa trực tiếp trên trang cán bộ.",
    ],
    ImportKind.DECISIONS: [
        "Mỗi dòng là một lượt luân chuyển, bố trí. Một quyết định có nhiều cán bộ thì ghi nhiều dòng, lặp lại "
        "các cột của quyết định (Số, ký hiệu; Ngày ký; Cơ quan ban hành).",
        "Quyết định được nhận ra theo cơ quan ban hành, số ký hiệu và ngày ký; luân chuyển theo cán bộ, quyết "
        "định, đơn vị nơi đến và ngày bắt đầu. Nhập lại cùng một tệp không thay đổi gì.",
        "Cán bộ phải có sẵn trong sổ (nhập trước bằng mẫu “Danh sách cán bộ”). Mỗi dòng được kiểm tra theo các "
        "quy tắc luân chuyển của bộ quy tắc áp dụng vào ngày ký, như khi nhập trên màn hình.",
        "Cảnh báo (quy tắc loại W) chỉ được chấp nhận khi ghi lý do ở cột “Lý do trường hợp đặc biệt” (và số "
        "quyết định cho phép khi quy tắc đòi hỏi). Lỗi (loại E) thì phải sửa dữ liệu.",
    ],
}
COMMON_NOTES = [
    "Ngày ghi theo dạng ngày/tháng/năm, ví dụ 12/04/1978 (ô kiểu ngày của Excel cũng được).",
    "Đơn vị ghi đúng tên trong danh mục đơn vị, như trên quyết định. Khi nhiều đơn vị trùng tên (ví dụ ba "
    "“Xã Chi Lăng”), ghi thêm đơn vị cấp trên sau dấu phẩy: “Xã Chi Lăng, Huyện Tràng Định”. Tên được so "
    "không phân biệt dấu, hoa thường; nếu vẫn trùng, hệ thống báo lỗi và liệt kê các đơn vị, không tự chọn.",
    "Gửi tệp để kiểm tra trước: chưa có gì được ghi cho đến khi bấm “Ghi vào sổ”, và chỉ ghi khi mọi dòng "
    "đều hợp lệ (ghi tất cả hoặc không ghi gì).",
    "Trang “Ví dụ” có các dòng mẫu lấy từ dữ liệu mẫu tỉnh Lạng Sơn; trang đó không được nhập.",
    "Nhận tệp .xlsx hoặc .csv (UTF-8), tối đa 10 MB và 50.000 dòng. Tệp trên 2.000 dòng được xử lý nền, "
    "trang sẽ hiện tiến độ.",
]


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_row(ws, columns, *, with_comments: bool) -> None:
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        cell.alignment = WRAP
        if with_comments:
            required = "Bắt buộc. " if column.required else ""
            cell.comment = Comment(f"{required}{column.meaning}\nCách ghi: {column.format_text()}", AUTHOR, 160, 320)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"


@translation.override("vi")  # the files are Vietnamese whatever the page's language (imports.columns)
def template_workbook(kind: str) -> bytes:
    """The template: the data sheet (headers, lists, text dates), instructions and examples."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    data = workbook.active
    data.title = SHEET_NAMES[kind]
    _header_row(data, columns, with_comments=True)
    lists = workbook.create_sheet(LISTS_SHEET)
    list_column = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.kind == "date":
            # Text cells keep 12/04/1978 as typed whatever the computer's date settings.
            for row in range(2, TEMPLATE_ROWS + 2):
                data.cell(row=row, column=index).number_format = "@"
        values = column.labels if column.kind == "choice" else (["Có", "Không"] if column.kind == "yesno" else [])
        if values:
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.header).font = BOLD
            for row, value in enumerate(values, start=2):
                lists.cell(row=row, column=list_column, value=value)
            validation = DataValidation(
                type="list",
                formula1=f"'{LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=column.header,
                error="Giá trị không có trong danh sách; vẫn có thể giữ nếu chắc chắn.",
            )
            data.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    lists.sheet_state = "hidden"
    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), kind)
    examples = workbook.create_sheet(EXAMPLES_SHEET)
    _header_row(examples, columns, with_comments=False)
    for row, example in enumerate(EXAMPLES[kind], start=2):
        for index, column in enumerate(columns, start=1):
            examples.cell(row=row, column=index, value=example.get(column.key)).number_format = "@"
    workbook.move_sheet(INSTRUCTIONS_SHEET, offset=-1)
    workbook.active = 0
    return _workbook_bytes(workbook)


def _instructions(ws, kind: str) -> None:
    ws["A1"] = f"Hướng dẫn nhập “{ImportKind(kind).label}” từ tệp Excel"
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    for note in GENERAL_NOTES[kind] + COMMON_NOTES:
        ws.cell(row=row, column=1, value=f"• {note}").alignment = WRAP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        ws.row_dimensions[row].height = 48
        row += 1
    row += 1
    for index, title in enumerate(("Cột", "Bắt buộc", "Ý nghĩa", "Cách ghi"), start=1):
        cell = ws.cell(row=row, column=index, value=title)
        cell.font = BOLD
        cell.fill = OPTIONAL_FILL
    for column in COLUMNS[kind]:
        row += 1
        ws.cell(row=row, column=1, value=column.header).font = BOLD
        ws.cell(row=row, column=2, value="Có" if column.required else "")
        ws.cell(row=row, column=3, value=column.meaning).alignment = WRAP
        ws.cell(row=row, column=4, value=column.format_text()).alignment = WRAP
    for letter, width in zip("ABCD", (26, 10, 70, 40), strict=True):
        ws.column_dimensions[letter].width = width


# --- Error report ---


@translation.override("vi")
def error_report_workbook(batch: ImportBatch) -> bytes:
    """The uploaded rows where they were, a “Lỗi” column, and each offending cell filled and commented."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = (batch.sheet_name or SHEET_NAMES[batch.kind])[:31]
    headers = list(batch.headers)
    known = columns_by_header(batch.kind)
    position_of_header: dict[str, int] = {}
    for index, header in enumerate(headers, start=1):
        cell = ws.cell(row=batch.header_row, column=index, value=neutralise(header))
        cell.font = BOLD
        column = known.get(header_key(header))
        if column is not None:
            position_of_header[column.header] = index
            ws.column_dimensions[get_column_letter(index)].width = column.width
    report_index = len(headers) + 1
    report_header = ws.cell(row=batch.header_row, column=report_index, value=REPORT_COLUMN)
    report_header.font = Font(bold=True, color="9C0006")
    ws.column_dimensions[get_column_letter(report_index)].width = 70
    ws.freeze_panes = ws.cell(row=batch.header_row + 1, column=1)
    results = {result["row"]: result for result in batch.results}
    for number, cells in batch.rows:
        for index, value in enumerate(cells, start=1):
            if value is not None:
                ws.cell(row=number, column=index, value=neutralise(value))
        result = results.get(number)
        if result is None:
            continue
        problems = [m for m in result["messages"] if m["level"] in ("error", "warning")]
        if not problems:
            continue
        by_cell: dict[int, list[dict]] = {}
        lines = []
        for message in problems:
            index = position_of_header.get(message["column"]) if message["column"] else None
            lines.append(f"Cột “{message['column']}”: {message['text']}" if message["column"] else message["text"])
            if index is not None:
                by_cell.setdefault(index, []).append(message)
        for index, messages in by_cell.items():
            cell = ws.cell(row=number, column=index)
            is_error = any(m["level"] == "error" for m in messages)
            cell.fill = ERROR_FILL if is_error else WARNING_FILL
            if is_error:
                cell.font = ERROR_FONT
            text = "\n".join(("Lỗi: " if m["level"] == "error" else "Cảnh báo: ") + m["text"] for m in messages)
            cell.comment = Comment(text[:2000], AUTHOR, 160, 360)
        report = ws.cell(row=number, column=report_index, value=neutralise("\n".join(lines)))
        report.alignment = WRAP
        report.fill = ERROR_FILL if result["status"] == "error" else WARNING_FILL
    return _workbook_bytes(workbook)
