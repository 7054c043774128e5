"""Biểu 11-BTCTW: rotations by direction (columns) and by the cadres' characteristics (rows).

One aggregate query gives the whole matrix: the counted rotations grouped by their stored direction,
each row a conditional COUNT. The columns are versioned by date: the 2021 form's district columns
exist until 30/6/2025; from 1/7/2025 the district level is gone (design §2, §5).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from cadres.filters import AGE_BANDS, QUALIFICATION_GROUPS, THEORY_GROUPS, birth_range_for_band, minority_q
from cadres.models import Sex
from postings.directions import Direction
from postings.models import PostingKind
from reports.statistics.context import Context
from reports.statistics.drill import POSTING_LIST, query
from reports.statistics.facts import by
from rotation_registry.common.formatting import format_date
from units.models import REORGANISATION_DATE

PROVINCE_DECIDES = "Cấp tỉnh quyết định"
DISTRICT_DECIDES = "Cấp huyện quyết định"
TOTAL, OTHER = "_total", "_other"
ROTATION = PostingKind.ROTATION.value


@dataclass(frozen=True)
class FormVersion:
    key: str
    label: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    columns: tuple[tuple[str, str], ...]  # (direction, group)


VERSIONS = (
    FormVersion(
        key="2021",
        label="Biểu 11-BTCTW (cấp tỉnh, cấp huyện, cấp xã)",
        valid_from=None,
        valid_to=REORGANISATION_DATE - datetime.timedelta(days=1),
        columns=(
            (Direction.CENTRAL_TO_PROVINCE, PROVINCE_DECIDES),
            (Direction.PROVINCE_TO_DISTRICT, PROVINCE_DECIDES),
            (Direction.DISTRICT_TO_PROVINCE, PROVINCE_DECIDES),
            (Direction.DISTRICT_TO_DISTRICT, PROVINCE_DECIDES),
            (Direction.SECTOR_TO_SECTOR, PROVINCE_DECIDES),
            (Direction.PROVINCE_TO_COMMUNE, PROVINCE_DECIDES),
            (Direction.DISTRICT_TO_COMMUNE, DISTRICT_DECIDES),
            (Direction.COMMUNE_TO_DISTRICT, DISTRICT_DECIDES),
            (Direction.COMMUNE_TO_COMMUNE, DISTRICT_DECIDES),
            (Direction.DEPARTMENT_TO_DEPARTMENT, DISTRICT_DECIDES),
        ),
    ),
    FormVersion(
        key="2025",
        label="Biểu 11-BTCTW theo chính quyền hai cấp (từ 1/7/2025)",
        valid_from=REORGANISATION_DATE,
        valid_to=None,
        columns=(
            (Direction.CENTRAL_TO_PROVINCE, PROVINCE_DECIDES),
            (Direction.PROVINCE_TO_CENTRAL, PROVINCE_DECIDES),
            (Direction.SECTOR_TO_SECTOR, PROVINCE_DECIDES),
            (Direction.PROVINCE_TO_COMMUNE, PROVINCE_DECIDES),
            (Direction.COMMUNE_TO_PROVINCE, PROVINCE_DECIDES),
            (Direction.COMMUNE_TO_COMMUNE, PROVINCE_DECIDES),
        ),
    ),
)


def versions_for(start: datetime.date, end: datetime.date) -> list[FormVersion]:
    """The form versions in force at some day of [start, end]."""
    return [
        v
        for v in VERSIONS
        if (v.valid_from is None or v.valid_from <= end) and (v.valid_to is None or start <= v.valid_to)
    ]


def columns_for(start: datetime.date, end: datetime.date) -> list[dict]:
    """The direction columns of the period: the union of the versions in force, in form order."""
    columns: list[dict] = []
    seen: dict[str, dict] = {}
    for version in versions_for(start, end):
        for direction, group in version.columns:
            if direction in seen:
                seen[direction]["versions"].append(version.key)
                continue
            column = {"key": direction.value, "label": direction.label, "group": group, "versions": [version.key]}
            seen[direction] = column
            columns.append(column)
    for number, column in enumerate(columns, start=3):  # column 1: the row label, column 2: the total
        column["number"] = number
    return columns


def _row(key: str, label: str, indent: int, q: Q, filters: dict) -> dict:
    return {"key": key, "label": label, "indent": indent, "q": q, "filter": filters}


def _rows(ctx: Context) -> list[dict]:
    """The form's rows: (key, label, indent, condition on the posting, list filters), headings without."""
    cutoff = format_date(ctx.cutoff)
    rows: list[dict] = [
        _row("total", "Tổng số", 0, Q(), {}),
        {"key": "of_which", "label": "Trong đó:", "indent": 0, "heading": True},
        _row("women", "Nữ", 1, Q(cadre__sex=Sex.FEMALE), {"sex": Sex.FEMALE.value}),
        _row("minority", "Dân tộc thiểu số", 1, minority_q("cadre__"), {"minority": "true"}),
        _row("religion", "Tôn giáo", 1, ~Q(cadre__religion=""), {"religion": "true"}),
        _row("adds_title", "Tăng thêm chức danh", 1, Q(adds_title=True), {"adds_title": "true"}),
        {"key": "age", "label": f"Độ tuổi (tính đến ngày {cutoff})", "indent": 0, "heading": True},
    ]
    for band, label in AGE_BANDS:
        born_after, born_before = birth_range_for_band(band, ctx.cutoff)
        q = Q()
        if born_after:
            q &= Q(cadre__date_of_birth__gte=born_after)
        if born_before:
            q &= Q(cadre__date_of_birth__lte=born_before)
        rows.append(
            {
                "key": f"age_{band}",
                "label": label,
                "indent": 1,
                "q": q,
                "filter": {"age_band": band, "age_on": ctx.cutoff.isoformat()},
            }
        )
    rows.append({"key": "qualification", "label": "Trình độ chuyên môn", "indent": 0, "heading": True})
    for key, (label, values) in QUALIFICATION_GROUPS.items():
        row = {"key": f"qualification_{key}", "label": label, "indent": 1}
        row["q"], row["filter"] = Q(cadre__professional_level__in=values), {"qualification": key}
        if key == "none":
            row.update(label="Chưa qua đào tạo hoặc chưa ghi", extra=True)
        rows.append(row)
    rows.append({"key": "theory", "label": "Lý luận chính trị", "indent": 0, "heading": True})
    for key, (label, values) in THEORY_GROUPS.items():
        row = {"key": f"theory_{key}", "label": label, "indent": 1}
        row["q"], row["filter"] = Q(cadre__political_theory__in=values), {"theory": key}
        if key == "none":
            row.update(label="Chưa qua đào tạo hoặc chưa ghi", extra=True)
        rows.append(row)
    return rows


EXPLANATION = (
    "Đơn vị tính: lượt người; mỗi quyết định luân chuyển một cán bộ là một lượt (một người luân chuyển "
    "hai lần được tính hai lượt). Chỉ tính hình thức luân chuyển, đang thực hiện hoặc đã kết thúc (không "
    "tính dự thảo, đã hủy), chức vụ chính (chức vụ kiêm nhiệm không tính thêm lượt). Một lượt thuộc kỳ "
    "báo cáo khi ngày bắt đầu (ngày quyết định có hiệu lực với cán bộ) nằm trong kỳ. Một lượt thuộc phạm "
    "vi đơn vị khi nơi đi hoặc nơi đến là đơn vị đó hoặc đơn vị trực thuộc. Mỗi lượt nằm ở đúng một cột "
    "theo hướng luân chuyển đã ghi khi nhập (xác định từ cấp của nơi đi và nơi đến); hướng không có cột "
    "trên biểu (ví dụ tỉnh về Trung ương, xã về tỉnh trước 1/7/2025, hoặc không xác định) vẫn tính vào "
    "tổng số nhưng không vào cột nào (cột «Ngoài các cột»), nên tổng các cột có thể nhỏ hơn tổng số. "
    "Các cột có chữ «huyện» chỉ có đến 30/6/2025; kỳ báo cáo trùm qua ngày 1/7/2025 có cả hai bộ cột. "
    "Các dòng «trong đó» không cộng lại thành tổng số: một người có thể vừa là nữ vừa là người dân tộc "
    "thiểu số. Độ tuổi tính đến ngày chốt số liệu; giới tính, dân tộc, tôn giáo, trình độ theo hồ sơ "
    "cán bộ hiện ghi trong sổ."
)


def row_conditions(ctx: Context) -> dict[str, Q]:
    """The condition of each counted row but the total (reports/statistics/facts.py counts them)."""
    return {r["key"]: r["q"] for r in _rows(ctx) if not r.get("heading") and r["key"] != "total"}


def form11(ctx: Context) -> dict:
    columns = columns_for(ctx.start, ctx.end)
    keys = [c["key"] for c in columns]
    rows = _rows(ctx)
    by_direction = {
        direction: {**counts, "total": counts["n"]} for direction, counts in by(ctx, "direction", ROTATION).items()
    }
    base = ctx.rotation_filter
    other_filter = {"direction_not": ",".join(keys)}
    result_rows = []
    for row in rows:
        out = {"key": row["key"], "label": row["label"], "indent": row["indent"]}
        if row.get("heading"):
            result_rows.append({**out, "heading": True, "extra": False, "values": {}, "drill": {}})
            continue
        values = {key: by_direction.get(key, {}).get(row["key"], 0) for key in keys}
        values[TOTAL] = sum(counts[row["key"]] for counts in by_direction.values())
        values[OTHER] = values[TOTAL] - sum(values[key] for key in keys)
        drill = {key: query(base, row["filter"], {"direction": key}) for key in keys}
        drill[TOTAL] = query(base, row["filter"])
        drill[OTHER] = query(base, row["filter"], other_filter)
        result_rows.append({**out, "heading": False, "extra": bool(row.get("extra")), "values": values, "drill": drill})
    versions = versions_for(ctx.start, ctx.end)
    return {
        "title": "Biểu 11-BTCTW: Số lượt cán bộ luân chuyển",
        "explanation": EXPLANATION,
        "drill_list": POSTING_LIST,
        "versions": [
            {
                "key": v.key,
                "label": v.label,
                "valid_from": v.valid_from.isoformat() if v.valid_from else None,
                "valid_to": v.valid_to.isoformat() if v.valid_to else None,
            }
            for v in versions
        ],
        "cutoff": ctx.cutoff.isoformat(),
        "columns": columns,
        "total_column": {"key": TOTAL, "label": "Tổng số", "number": 2},
        "other_column": {
            "key": OTHER,
            "label": "Ngoài các cột (hướng không có trên biểu)",
            "directions": sorted(by_direction.keys() - set(keys)),
        },
        "rows": result_rows,
    }
