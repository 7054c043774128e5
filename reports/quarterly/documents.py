"""Quarterly reports as Party documents (PDF): a unit's Báo cáo and the province's, in the HD 36 layout.

The layout and the renderer's safety (static-only fetcher, limits) are rotation_registry.common.pdf
and templates/documents/base_document.html; this module says what a Báo cáo prints:

* a unit's report (templates/reports/quarterly/report_document.html): ĐẢNG BỘ TỈNH LẠNG SƠN over
  HUYỆN ỦY CAO LỘC (or ĐẢNG ỦY XÃ THẤT KHÊ since 7/2025), "Số 123-BC/HU", the place and date line,
  BÁO CÁO "kết quả công tác luân chuyển cán bộ quý II năm 2025", I- KẾT QUẢ (the figures in a
  sentence, then the unit's text), II- ĐÁNH GIÁ (1. ưu điểm, 2. hạn chế, 3. nguyên nhân),
  III- PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI, IV- ĐỀ XUẤT, KIẾN NGHỊ, recipients, T/M BAN THƯỜNG VỤ; annexes:
  I the figures by direction (registry, adjustment, reported) with the adjustments' explanations,
  II the name list. A submitted report prints its snapshot; a draft prints today's figures and the
  "DỰ THẢO" mark, with a blank number;
* the province's report (province_document.html): TỈNH ỦY LẠNG SƠN, "Số    -BC/TU" (to be numbered
  when issued: it is always a draft built for the board to finish), the reporting situation with the
  units that have not reported named, the registry's figures against the same quarter a year before,
  the accepted reports' assessments and proposals by unit; annexes: figures by unit, by direction.

User text reaches the HTML escaped (text_to_document_html turns lines into paragraphs).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from plans.documents import DocumentValues
from plans.services import header_defaults
from reports.models import ROMAN_QUARTERS, QuarterlyReport, ReportingPeriod, ReportStatus
from reports.quarterly import prefill
from rotation_registry.common.formatting import document_date_line, format_date, format_number
from rotation_registry.common.pdf import DOCUMENT_BASE_URL, document_lines, render_pdf, text_to_document_html
from rotation_registry.common.vietnamese import search_key
from units.models import Unit

TYPE_NAME = "BÁO CÁO"
SIGNING_AUTHORITY = "T/M BAN THƯỜNG VỤ"
BLANK_NUMBER = "\u00a0" * 6  # "Số       -BC/HU": numbered by hand (or when issued)
# A report is a few pages plus its annexes: rendered in the request, under this limit.
TIME_LIMIT = 20.0


@dataclass
class Section:
    """A heading of the body and its paragraphs: "I- KẾT QUẢ" (major: caps, bold) or "1. Ưu điểm" (bold)."""

    heading: str
    html: str

    @property
    def major(self) -> bool:
        return self.heading.split(" ", 1)[0].endswith("-")


def subject(year: int, quarter: int) -> str:
    return f"kết quả công tác luân chuyển cán bộ quý {ROMAN_QUARTERS[quarter]} năm {year}"


def _committee_word(unit: Unit) -> str:
    """'Huyện ủy', 'Thành ủy', 'Đảng ủy': how the committee's own office is named ('Lưu Văn phòng Huyện ủy')."""
    for word in ("Đảng ủy", "Huyện ủy", "Thành ủy", "Thị ủy", "Quận ủy", "Tỉnh ủy"):
        if unit.name.startswith(word):
            return word
    return unit.name


def _html(text: str) -> str:
    return text_to_document_html(text or "")


def _count_sentence(territory: str, totals: dict[str, int]) -> str:
    return (
        f"Trong quý, trên địa bàn {territory} có {format_number(totals['started'])} lượt cán bộ bắt đầu luân chuyển, "
        f"{format_number(totals['ended'])} lượt kết thúc luân chuyển; tổng số lượt cán bộ đang luân chuyển trong "
        f"quý là {format_number(totals['in_force'])} (số liệu chi tiết tại Phụ lục I, danh sách cán bộ tại Phụ lục II)."
    )


# --- A unit's report ---


def report_document_context(*, user, period: ReportingPeriod, report: QuarterlyReport | None) -> dict:
    unit = period.unit
    frozen = report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
    if frozen:
        figures = report.figures
    else:
        figures = prefill.prefill(user=user, unit=unit, year=period.year, quarter=period.quarter)
    adjustments = report.adjustments if report is not None else []
    header = header_defaults(unit)
    day = (report.document_date if report is not None else None) or timezone.localdate()
    abbreviation = unit.abbreviation or "HU"
    symbol = report.document_number if report is not None and report.document_number else ""
    totals = prefill.reported_totals(figures, adjustments)

    def text(name: str) -> str:
        return getattr(report, name) if report is not None else ""

    sections = [
        Section(
            "I- KẾT QUẢ", f"<p>{_count_sentence(figures['territory']['name'], totals)}</p>" + _html(text("results"))
        ),
        Section("II- ĐÁNH GIÁ", ""),
        Section("1. Ưu điểm", _html(text("strengths"))),
        Section("2. Hạn chế", _html(text("weaknesses"))),
        Section("3. Nguyên nhân", _html(text("causes"))),
        Section("III- PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI", _html(text("next_quarter"))),
        Section("IV- ĐỀ XUẤT, KIẾN NGHỊ", _html(text("proposals")) or "<p>Không có.</p>"),
    ]
    values = DocumentValues(
        type_name=TYPE_NAME,
        symbol=symbol or f"{BLANK_NUMBER}-BC/{abbreviation}",
        issuing_body=header["issuing_body"],
        superior_body=header["superior_body"],
        date_line=document_date_line(header["place"] or unit.name, day),
        date_short=format_date(day),
        subject=subject(period.year, period.quarter),
        is_draft=not frozen,
        recipients=document_lines(
            f"Ban Tổ chức Tỉnh ủy (b/c)\nLưu Văn phòng {_committee_word(unit)}", separator=",", last="."
        ),
        signing_authority=SIGNING_AUTHORITY,
        signer_title=(report.signer_title if report is not None else "") or "",
        signer_name=(report.signer_name if report is not None else "") or "",
        issuer_name=unit.name,
        sections=sections,
    )
    return {
        "doc": values,
        "table": prefill.movement_table(figures, adjustments),
        "adjustments": adjustments,
        "names": figures["names"],
        "figures": figures,
    }


def report_document_html(*, user, period: ReportingPeriod, report: QuarterlyReport | None) -> str:
    context = report_document_context(user=user, period=period, report=report)
    with translation.override("vi"):  # an official document reads the same whatever the interface language
        return render_to_string("reports/quarterly/report_document.html", context)


def report_pdf(*, user, period: ReportingPeriod, report: QuarterlyReport | None) -> bytes:
    html = report_document_html(user=user, period=period, report=report)
    return render_pdf(html, base_url=DOCUMENT_BASE_URL, time_limit=TIME_LIMIT)


def report_pdf_filename(period: ReportingPeriod, report: QuarterlyReport | None) -> str:
    """'bao-cao-quy-2-2025-huyen-uy-cao-loc.pdf' (ASCII), '-du-thao' unless submitted."""
    frozen = report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
    name = search_key(period.unit.name).replace(" ", "-")
    return f"bao-cao-quy-{period.quarter}-{period.year}-{name}{'' if frozen else '-du-thao'}.pdf"


# --- The province's report ---


def _province_committee(province: Unit) -> tuple[str, str]:
    """('TỈNH ỦY LẠNG SƠN', 'Lạng Sơn'): the issuing body and the place of the province's report."""
    name = province.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    word = "THÀNH ỦY" if province.name.startswith("Thành phố") else "TỈNH ỦY"
    return f"{word} {name.upper()}", name


def _change_text(now: int, before: int) -> str:
    if now == before:
        return "bằng cùng kỳ năm trước"
    word = "tăng" if now > before else "giảm"
    return f"{word} {format_number(abs(now - before))} lượt so với cùng kỳ năm trước ({format_number(before)} lượt)"


def province_document_context(report) -> dict:
    issuing_body, place = _province_committee(report.province)
    day = timezone.localdate()
    board = report.board
    arrived = [row for row in board.rows if row.submitted]
    on_time = [row for row in arrived if not row.late]
    total = report.comparison[0]
    missing = ", ".join(row.period.unit.name for row in report.missing)
    situation = (
        f"Quý {ROMAN_QUARTERS[report.quarter]} năm {report.year} có {len(board.rows)} đơn vị phải báo cáo; "
        f"{len(arrived)} đơn vị đã nộp báo cáo ({len(on_time)} đúng hạn), {len(report.accepted)} báo cáo đã được "
        f"Ban Tổ chức Tỉnh ủy duyệt."
    )
    situation += f" Các đơn vị chưa báo cáo: {missing}." if missing else " Tất cả các đơn vị đã báo cáo."
    figures = (
        f"Toàn tỉnh có {format_number(total.now['started'])} lượt cán bộ bắt đầu luân chuyển, "
        f"{_change_text(total.now['started'], total.before['started'])}; {format_number(total.now['ended'])} lượt "
        f"kết thúc luân chuyển; {format_number(total.now['in_force'])} lượt cán bộ đang luân chuyển trong quý "
        f"({_change_text(total.now['in_force'], total.before['in_force'])}). Chi tiết theo hướng luân chuyển tại "
        "Phụ lục II."
    )
    reported = report.reported_totals
    summed = (
        f"Tổng hợp từ {len(report.accepted)} báo cáo đã duyệt: {format_number(reported['started'])} lượt bắt đầu, "
        f"{format_number(reported['ended'])} lượt kết thúc, {format_number(reported['in_force'])} lượt đang luân "
        "chuyển (số liệu từng đơn vị, kể cả điều chỉnh có giải trình, tại Phụ lục I)."
    )

    def gathered(name: str) -> str:
        items = report.narrative.get(name) or []
        if not items:
            return "<p>Các báo cáo đã duyệt không nêu nội dung này.</p>"
        return "".join(_html(f"- {unit}: {' '.join(text.split())}") for unit, text in items)

    sections = [
        Section("I- KẾT QUẢ", ""),
        Section("1. Tình hình báo cáo của các đơn vị", f"<p>{situation}</p>"),
        Section("2. Kết quả luân chuyển cán bộ", f"<p>{figures}</p><p>{summed}</p>"),
        Section("II- ĐÁNH GIÁ", ""),
        Section("1. Ưu điểm", gathered("strengths")),
        Section("2. Hạn chế", gathered("weaknesses")),
        Section("3. Nguyên nhân", gathered("causes")),
        Section("III- PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI", gathered("next_quarter")),
        Section("IV- ĐỀ XUẤT, KIẾN NGHỊ", gathered("proposals")),
    ]
    values = DocumentValues(
        type_name=TYPE_NAME,
        symbol=f"{BLANK_NUMBER}-BC/TU",
        issuing_body=issuing_body,
        superior_body="",
        date_line=document_date_line(place, day),
        date_short=format_date(day),
        subject=subject(report.year, report.quarter),
        is_draft=True,
        recipients=document_lines(
            "Ban Tổ chức Trung ương (b/c)\nThường trực Tỉnh ủy (b/c)\nCác huyện ủy, thành ủy, đảng ủy trực thuộc\n"
            "Lưu Văn phòng Tỉnh ủy",
            separator=",",
            last=".",
        ),
        signing_authority=SIGNING_AUTHORITY,
        signer_title="PHÓ BÍ THƯ THƯỜNG TRỰC",
        signer_name="",
        issuer_name=issuing_body.title(),
        sections=sections,
    )
    return {"doc": values, "report": report, "columns": prefill.COLUMNS, "missing": report.missing}


def province_document_html(report) -> str:
    with translation.override("vi"):
        return render_to_string("reports/quarterly/province_document.html", province_document_context(report))


def province_pdf(report) -> bytes:
    return render_pdf(province_document_html(report), base_url=DOCUMENT_BASE_URL, time_limit=TIME_LIMIT)


def province_pdf_filename(report) -> str:
    name = search_key(report.province.name).replace(" ", "-")
    return f"bao-cao-quy-{report.quarter}-{report.year}-{name}-du-thao.pdf"
