"""Biểu 11-BTCTW laid out like the paper form, once, for the page, the workbook and the CSV.

The engine's results (reports.statistics.form11) hold the figures; this module orders them into
the form's grid: a header naming the issuing committee and its organisation board, the form's
number, merged column groups ("Cấp tỉnh quyết định" over its directions), numbered columns, and
the signature footer (NGƯỜI LẬP BIỂU / TRƯỞNG BAN).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rotation_registry.common.formatting import format_date

FORM_NUMBER = "Biểu số 11-BTCTW"
TITLE = gettext_noop("SỐ LƯỢT CÁN BỘ LUÂN CHUYỂN")  # translated where the layout is built

# How a territory's party committee is named in a document header ("Tỉnh Lạng Sơn" -> "TỈNH ỦY LẠNG SƠN").
_COMMITTEE_BY_PREFIX = (
    ("Thành phố ", "THÀNH ỦY "),
    ("Tỉnh ", "TỈNH ỦY "),
    ("Huyện ", "HUYỆN ỦY "),
    ("Thị xã ", "THỊ ỦY "),
    ("Quận ", "QUẬN ỦY "),
    ("Xã ", "ĐẢNG ỦY XÃ "),
    ("Phường ", "ĐẢNG ỦY PHƯỜNG "),
    ("Thị trấn ", "ĐẢNG ỦY THỊ TRẤN "),
    ("Đặc khu ", "ĐẢNG ỦY ĐẶC KHU "),
)


def committee_header(scope_name: str | None) -> str:
    """The superior line of the header: the party committee of the territory the figures cover."""
    if not scope_name:
        return ""
    for prefix, committee in _COMMITTEE_BY_PREFIX:
        if scope_name.startswith(prefix):
            return committee + scope_name.removeprefix(prefix).upper()
    return scope_name.upper()


@dataclass
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class GridRow:
    label: str
    indent: int
    heading: bool
    values: list[int | None]  # in column order; None for a heading
    drills: list[str]
    extra: bool = False

    @property
    def cells(self) -> list[tuple[int | None, str]]:
        """(value, drill-down querystring) per column."""
        return list(zip(self.values, self.drills, strict=True))


@dataclass
class Form11Layout:
    committee: str
    board: str
    form_number: str
    title: str
    period: str
    scope: str
    header_top: list[HeaderCell]  # first header row (groups; "Chỉ tiêu", "Tổng số" and "Ngoài" span two rows)
    header_bottom: list[HeaderCell]  # the direction labels under their groups
    numbers: list[str]  # (1), (2), …
    keys: list[str] = field(default_factory=list)  # column keys after the label column
    rows: list[GridRow] = field(default_factory=list)
    explanation: str = ""
    cutoff: str = ""

    @property
    def column_count(self) -> int:
        return 1 + len(self.keys)


def layout(results: dict) -> Form11Layout:
    """The grid of the form from a run's results."""
    form = results["sections"]["form11"]
    parameters = results["parameters"]
    scope_unit = (results.get("scope") or {}).get("unit") or {}
    columns = form["columns"]
    total, other = form["total_column"], form["other_column"]
    keys = [total["key"], *(c["key"] for c in columns), other["key"]]

    top = [HeaderCell(_("Chỉ tiêu"), rowspan=2), HeaderCell(total["label"], rowspan=2)]
    bottom: list[HeaderCell] = []
    for column in columns:
        if top[-1].rowspan == 1 and top[-1].text == column["group"]:
            top[-1].colspan += 1
        else:
            top.append(HeaderCell(column["group"]))
        bottom.append(HeaderCell(column["label"]))
    top.append(HeaderCell(_("Ngoài các cột"), rowspan=2))
    numbers = [f"({n})" for n in range(1, len(keys) + 2)]

    rows = []
    for row in form["rows"]:
        heading = bool(row.get("heading"))
        rows.append(
            GridRow(
                label=row["label"],
                indent=row["indent"],
                heading=heading,
                values=[None if heading else row["values"].get(key, 0) for key in keys],
                drills=["" if heading else row["drill"].get(key, "") for key in keys],
                extra=bool(row.get("extra")),
            )
        )
    day = datetime.date.fromisoformat
    period = _("Từ ngày %(start)s đến ngày %(end)s") % {
        "start": format_date(day(parameters["start"])),
        "end": format_date(day(parameters["end"])),
    }
    return Form11Layout(
        committee=committee_header(scope_unit.get("name")),
        board=_("BAN TỔ CHỨC"),
        form_number=FORM_NUMBER,
        title=_(TITLE),
        period=period,
        scope=(results.get("scope") or {}).get("label", ""),
        header_top=top,
        header_bottom=bottom,
        numbers=numbers,
        keys=keys,
        rows=rows,
        explanation=form["explanation"],
        cutoff=format_date(day(form["cutoff"])),
    )
