"""Composition of the cadres rotated in the period: professional and political-theory levels on two days.

The group is fixed: the distinct cadres with a counted rotation in the period and scope (the people
behind the Biểu 11 total). Their levels are those the registry held on each day (the audit history
keeps every saved version: cadres.filters.recorded_levels), so the change between the two days is the
same people's progress, not a different group's.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from cadres.filters import QUALIFICATION_GROUPS, THEORY_GROUPS, end_of_day
from cadres.models import Cadre
from reports.statistics.context import Context
from reports.statistics.drill import CADRE_LIST, query
from reports.statistics.evaluations import share
from rotation_registry.common.formatting import format_date

DIMENSIONS = (
    ("professional", "Trình độ chuyên môn", "professional_level", "qualification", QUALIFICATION_GROUPS),
    ("theory", "Lý luận chính trị", "political_theory", "theory", THEORY_GROUPS),
)


def _group_filter(ctx: Context) -> dict:
    filters = {"rotated": "true", "rotated_from": ctx.start.isoformat(), "rotated_to": ctx.end.isoformat()}
    if ctx.unit is not None:
        filters["rotated_unit_lineage" if ctx.lineage else "rotated_unit"] = ctx.unit.pk
    return filters


def _pair(prefix: str = "") -> Concat:
    return Concat(F(f"{prefix}professional_level"), Value("|"), F(f"{prefix}political_theory"))


def _counts_on(group, days: list[datetime.date]) -> dict:
    """{day: {"size", "entered_after", "professional": {key: n}, "theory": {key: n}}} in one query.

    The levels on a day are those of cadres.filters.recorded_level_expressions (the cadre list's
    drill-down filter): the last version saved by the end of the day, else the first version, else
    the current record. Here both levels are read together ("level|theory") and the first version once
    for all days, so a cadre's history is probed once per day plus once; the rows are grouped by those
    values (a few dozen combinations) and added up here.
    """
    events = apps.get_model("cadres", "CadreEvent").objects.filter(pgh_obj_id=OuterRef("pk"))
    columns = {}
    for i, day in enumerate(days):
        if day >= timezone.localdate():
            columns[f"b{i}"] = _pair()  # from today on: the current record
            continue
        before = events.filter(pgh_created_at__lt=end_of_day(day)).order_by("-pgh_created_at", "-pgh_id")
        columns[f"b{i}"] = Subquery(before.annotate(pair=_pair()).values("pair")[:1])
    first = events.order_by("pgh_created_at", "pgh_id").annotate(pair=_pair()).values("pair")[:1]
    columns["first"] = Coalesce(Subquery(first), _pair())
    rows = Cadre.objects.filter(pk__in=group).annotate(**columns).values(*columns).annotate(n=Count("pk")).order_by()
    lookup = {
        dimension: {value: key for key, (_name, values) in groups.items() for value in values}
        for dimension, _label, _field, _filter, groups in DIMENSIONS
    }
    out = {}
    for i, day in enumerate(days):
        counts: dict = {"size": 0, "entered_after": 0}
        for dimension, _label, _field, _filter, groups in DIMENSIONS:
            counts[dimension] = dict.fromkeys(groups, 0)
        for row in rows:
            counts["size"] += row["n"]
            recorded = row[f"b{i}"]
            if recorded is None:  # entered into the registry after that day
                counts["entered_after"] += row["n"]
                recorded = row["first"]
            levels = dict(zip(("professional", "theory"), recorded.split("|"), strict=True))
            for dimension in ("professional", "theory"):
                key = lookup[dimension].get(levels[dimension])
                if key is not None:
                    counts[dimension][key] += row["n"]
        out[day] = counts
    return out


def composition(ctx: Context) -> dict:
    group = ctx.rotations().values("cadre_id")
    days = [ctx.compare, ctx.as_of] if ctx.compare != ctx.as_of else [ctx.as_of]
    counted = _counts_on(group, days)
    base = _group_filter(ctx)
    dates = [
        {
            "date": day.isoformat(),
            "size": counted[day]["size"],
            "entered_after": counted[day]["entered_after"],
            "drill": query(base),
        }
        for day in days
    ]
    result = {
        "title": "Cơ cấu trình độ của cán bộ được luân chuyển trong kỳ",
        "explanation": _explanation(ctx, days),
        "drill_list": CADRE_LIST,
        "group": {"label": "Cán bộ có lượt luân chuyển trong kỳ", "size": dates[-1]["size"], "drill": query(base)},
        "dates": dates,
    }
    for dimension, label, _field, filter_name, groups in DIMENSIONS:
        items = []
        for key, (name, _values) in groups.items():
            item = {"key": key, "label": name, "values": {}, "drill": {}}
            for day in days:
                n = counted[day][dimension][key]
                item["values"][day.isoformat()] = {"value": n, "share": share(n, counted[day]["size"])}
                item["drill"][day.isoformat()] = query(base, {"recorded_on": day.isoformat(), filter_name: key})
            first, last = counted[days[0]], counted[days[-1]]
            before = share(first[dimension][key], first["size"])
            after = share(last[dimension][key], last["size"])
            item["change"] = {
                "value": last[dimension][key] - first[dimension][key],
                "share_points": _difference(after, before),
            }
            items.append(item)
        result[dimension] = {"label": label, "items": items}
    return result


def _difference(after: float | None, before: float | None) -> float | None:
    if after is None or before is None:
        return None
    return round(after - before, 2)


def _explanation(ctx: Context, days: list[datetime.date]) -> str:
    when = " và ".join(format_date(d) for d in days)
    return (
        "Nhóm cán bộ: mỗi người có ít nhất một lượt luân chuyển được tính trong kỳ (như tổng số của Biểu 11), "
        "tính một lần dù luân chuyển nhiều lượt. Trình độ chuyên môn, lý luận chính trị là trình độ ghi trong "
        f"hồ sơ vào ngày {when} (theo lịch sử sửa hồ sơ); cán bộ được nhập vào sổ sau ngày đó thì lấy trình "
        "độ lúc nhập sổ (số người này ghi ở dòng «nhập sổ sau ngày»). Cùng một nhóm người ở cả hai ngày, nên "
        "chênh lệch là thay đổi trình độ của chính những người đó. Mỗi người thuộc đúng một mức trình độ "
        "mỗi loại, nên các mức cộng lại bằng cả nhóm; tỷ lệ tính trên cả nhóm, làm tròn hai chữ số thập phân."
    )
