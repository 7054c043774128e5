"""Rotations broken down one way at a time: kind, purpose, destination title, origin or destination unit.

Each breakdown is one GROUP BY over the counted postings; unit breakdowns group by unit id in SQL
(at most one row per unit) and roll the units up into their groups here (postings.filters.UnitGroups,
the same code the drill-down filter runs).
"""

from __future__ import annotations

from django.db.models import Q

from postings.filters import DEPARTMENT_KINDS, GONE, NO_UNIT, OUTSIDE, ROOT, UnitGroups, group_spec
from postings.models import PostingKind, PostingPurpose
from reports.statistics.context import Context
from reports.statistics.drill import POSTING_LIST, query
from reports.statistics.facts import by
from units.models import Level, Position, PositionTitle, Unit

SPECIAL_GROUPS = (ROOT, GONE, OUTSIDE, NO_UNIT)
ROTATION = PostingKind.ROTATION.value

COMMON = (
    "Đơn vị tính: lượt người. Một lượt thuộc kỳ khi ngày bắt đầu nằm trong kỳ; chỉ tính lượt đang thực hiện "
    "hoặc đã kết thúc, chức vụ chính (không tính dự thảo, đã hủy, kiêm nhiệm). "
)


def _section(title: str, explanation: str, items: list[dict], total: int, total_drill: str) -> dict:
    return {
        "title": title,
        "explanation": explanation,
        "drill_list": POSTING_LIST,
        "items": items,
        "total": {"label": "Tổng số", "value": total, "drill": total_drill},
    }


def _by_choice(ctx: Context, name: str, kind: str | None, field: str, choices, base: dict) -> tuple[list[dict], int]:
    counts = {value: c["n"] for value, c in by(ctx, name, kind).items()}
    items = [
        {"key": value, "label": label, "value": counts.get(value, 0), "drill": query(base, {field: value})}
        for value, label in choices
    ]
    return items, sum(counts.values())


def by_kind(ctx: Context) -> dict:
    items, total = _by_choice(ctx, "kind", None, "kind", PostingKind.choices, ctx.period_filter)
    explanation = COMMON + (
        "Bảng này tính mọi hình thức (luân chuyển, điều động, biệt phái, tăng cường, bổ nhiệm), mỗi lượt "
        "đúng một hình thức, nên các dòng cộng lại bằng tổng; «lượt luân chuyển» ở các bảng khác chỉ là "
        "dòng Luân chuyển."
    )
    return _section("Theo hình thức", explanation, items, total, query(ctx.period_filter))


def by_purpose(ctx: Context) -> dict:
    items, total = _by_choice(ctx, "purpose", ROTATION, "purpose", PostingPurpose.choices, ctx.rotation_filter)
    explanation = COMMON + (
        "Chỉ tính hình thức luân chuyển. Mỗi lượt ghi đúng một mục đích (mục đích chính theo quyết định), "
        "nên các dòng cộng lại bằng tổng."
    )
    return _section("Luân chuyển theo mục đích", explanation, items, total, query(ctx.rotation_filter))


def by_post_group(ctx: Context) -> dict:
    counts = by(ctx, "title", ROTATION)
    titles = {
        pk: (name, is_key)
        for pk, name, is_key in PositionTitle.objects.filter(pk__in=[t for t in counts if t is not None])
        .order_by()
        .values_list("pk", "name", "is_key")
    }
    base = ctx.rotation_filter
    items = []
    for title_id, c in counts.items():
        n = c["n"]
        name, is_key = titles.get(title_id, ("", False))
        if title_id is None:
            item = {"key": "_none", "label": "Chưa gắn chức danh nơi đến", "is_key": False}
            item["drill"] = query(base, {"title_missing": "true"})
        else:
            item = {"key": str(title_id), "label": name, "is_key": bool(is_key)}
            item["drill"] = query(base, {"title": title_id})
        items.append({**item, "value": n})
    items.sort(key=lambda i: (i["key"] == "_none", -i["value"], i["label"], i["key"]))
    explanation = COMMON + (
        "Chỉ tính hình thức luân chuyển, theo chức danh của vị trí nơi đến (Bí thư, Phó Bí thư thường trực, "
        "Chủ tịch UBND, Phó Chủ tịch HĐND, Phó Chủ tịch UBND…), ở mọi cấp. Mỗi lượt có một chức danh nơi "
        "đến (chức vụ chính); lượt chưa gắn vị trí có chức danh được tính ở dòng riêng, nên các dòng cộng "
        "lại bằng tổng. Chức danh kiêm nhiệm không tính."
    )
    total = sum(i["value"] for i in items)
    return _section("Luân chuyển theo chức danh nơi đến", explanation, items, total, query(base))


def _groups(ctx: Context) -> UnitGroups:
    if "groups" not in ctx._cache:
        ctx._cache["groups"] = UnitGroups(ctx.unit, current=ctx.structure == "current")
    return ctx._cache["groups"]


def _by_unit(ctx: Context, field: str, title: str, side: str) -> dict:
    groups = _groups(ctx)
    current = groups.current
    counts: dict[str, int] = {}
    for unit_id, c in by(ctx, "origin" if field == "origin_unit" else "dest", ROTATION).items():
        for key in groups.keys_for(unit_id):
            counts[key] = counts.get(key, 0) + c["n"]
    base = ctx.rotation_filter
    filter_name = "origin_group" if field == "origin_unit" else "dest_group"
    items = [
        {
            "key": key,
            "label": groups.labels.get(key, key),
            "unit": None if key in SPECIAL_GROUPS else int(key),
            "value": n,
            "drill": query(base, {filter_name: group_spec(ctx.unit, key, current)}),
        }
        for key, n in counts.items()
    ]
    items.sort(key=lambda i: (i["key"] in SPECIAL_GROUPS, -i["value"], i["label"], i["key"]))
    structure = (
        "theo cơ cấu hiện nay: mỗi đơn vị còn hiệu lực gom cả các đơn vị tiền thân của nó (qua sáp nhập, "
        "chia tách, đổi tên); đơn vị cũ chia về nhiều nơi được tính cho mỗi nơi nhận, nên tổng các dòng "
        "có thể lớn hơn tổng số; đơn vị không còn và không có đơn vị kế thừa (như các phòng, ban cấp huyện "
        "sau 1/7/2025) được tính ở dòng riêng"
        if current
        else "theo đơn vị tại thời điểm luân chuyển (như ghi trong quyết định), kể cả đơn vị nay đã giải thể, "
        "sáp nhập; mỗi lượt thuộc đúng một dòng, nên các dòng cộng lại bằng tổng"
    )
    explanation = COMMON + (
        f"Chỉ tính hình thức luân chuyển, nhóm theo {side} {structure}. Mỗi dòng là một đơn vị ngay dưới đơn "
        "vị đang xem (huyện của tỉnh, xã của huyện…) cùng mọi đơn vị trực thuộc; các cơ quan cùng cấp với đơn "
        f"vị đang xem gộp một dòng; {side} ngoài phạm vi (Trung ương, tỉnh khác…) hoặc không ghi có dòng riêng."
    )
    total = by(ctx, "kind", ROTATION).get(ROTATION, {}).get("n", 0)
    return _section(title, explanation, items, total, query(base))


def by_origin_unit(ctx: Context) -> dict:
    return _by_unit(ctx, "origin_unit", "Luân chuyển theo đơn vị nơi đi", "nơi đi")


def by_dest_unit(ctx: Context) -> dict:
    return _by_unit(ctx, "dest_unit", "Luân chuyển theo đơn vị nơi đến", "nơi đến")


def department_conditions(ctx: Context, *, joins: bool = False) -> dict[str, Q]:
    """Rotations from the scope's departments to key commune posts, and those of heads of departments.

    Without joins, written on the foreign keys (IN the matching ids): in the one-pass read of a unit's
    postings (facts.py) four joins per row cost more than four hashed lookups. Both forms select the
    same rows; the drill-down filters (postings/filters.py) use the joins.
    """
    if joins:
        moves = _origin_in_scope(ctx) & Q(
            origin_unit__kind__in=DEPARTMENT_KINDS,
            dest_unit__level=Level.COMMUNE,
            dest_position__title__is_key=True,
        )
        heads = Q(origin_position__title__is_head=True)
        return {"dept_moves": moves, "dept_heads": moves & heads, "heads": heads}
    moves = (
        _origin_in_scope(ctx)
        & Q(origin_unit__in=Unit.objects.filter(kind__in=DEPARTMENT_KINDS).values("pk"))
        & Q(dest_unit__in=Unit.objects.filter(level=Level.COMMUNE).values("pk"))
        & Q(dest_position__in=Position.objects.filter(title__is_key=True).values("pk"))
    )
    heads = moves & Q(origin_position__in=Position.objects.filter(title__is_head=True).values("pk"))
    return {"dept_moves": moves, "dept_heads": heads}


def departments_to_key_posts(ctx: Context) -> dict:
    """Cadres of the scope's departments rotated to key commune posts (the seed articles' figure)."""
    facts = by(ctx, "kind", ROTATION).get(ROTATION, {})
    counts = {"moves": facts.get("dept_moves", 0), "heads": facts.get("dept_heads", 0)}
    base = {**ctx.rotation_filter, **_origin_filter(ctx), "from_department": "true", "level": "commune"}
    base["dest_key_post"] = "true"
    items = [
        {
            "key": "moves",
            "label": "Cán bộ phòng, ban, cơ quan, đoàn thể luân chuyển giữ chức danh chủ chốt cấp xã",
            "value": counts["moves"],
            "drill": query(base),
        },
        {
            "key": "heads",
            "label": "Trong đó: cấp trưởng phòng, ban",
            "value": counts["heads"],
            "drill": query(base, {"origin_head": "true"}),
        },
    ]
    explanation = COMMON + (
        "Chỉ tính hình thức luân chuyển có nơi đi là phòng, ban, cơ quan, đoàn thể (không phải cấp ủy, "
        "HĐND, UBND) thuộc đơn vị đang xem và nơi đến là chức danh chủ chốt của đơn vị cấp xã (Bí thư, Phó "
        "Bí thư thường trực, Chủ tịch, Phó Chủ tịch HĐND, UBND…); «cấp trưởng» theo chức danh nơi đi. "
        "Dòng «trong đó» là một phần của dòng trên."
    )
    return {"title": "Cán bộ phòng, ban về giữ chức danh chủ chốt cấp xã", "explanation": explanation,
            "drill_list": POSTING_LIST, "items": items}  # fmt: skip


def _origin_in_scope(ctx: Context) -> Q:
    from accounts.scopes import unit_in

    return Q() if ctx.reach is None else unit_in("origin_unit", ctx.reach)


def _origin_filter(ctx: Context) -> dict:
    if ctx.unit is None:
        return {}
    return {"origin_unit_lineage": ctx.unit.pk} if ctx.lineage else {"origin_unit": ctx.unit.pk}
