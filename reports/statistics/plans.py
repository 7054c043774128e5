"""Plan targets (chỉ tiêu) against what was done: the postings linked from the plan's list."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from accounts.scopes import unit_in
from plans.models import Plan, PlanEntry, PlanTarget
from postings.directions import Direction
from postings.models import OCCUPYING_STATUSES, Posting
from reports.statistics.context import Context
from reports.statistics.drill import POSTING_LIST, query
from reports.statistics.evaluations import share


def _plans(ctx: Context):
    plans = Plan.objects.filter(
        Q(date__gte=ctx.start, date__lte=ctx.end) | Q(period__start__lte=ctx.end, period__end__gte=ctx.start)
    )
    if ctx.reach is not None:
        plans = plans.filter(unit_in("issuing_unit", ctx.reach))
    return plans.order_by("date", "pk").values("pk", "symbol", "title", "date", "status")


def _target_label(target: PlanTarget) -> str:
    parts = []
    if target.direction:
        known = target.direction in Direction.values
        parts.append(str(Direction(target.direction).label) if known else target.direction)
    if target.dest_title_id:
        parts.append(target.dest_title.name)
    if target.dest_unit_id:
        parts.append(target.dest_unit.name)
    return ", ".join(parts) or "Tổng số"


def _meets(posting: dict, target: PlanTarget) -> bool:
    """Whether a linked posting carried out the target (the conditions of postings.filters.plan_target_q)."""
    if target.direction and posting["direction"] != target.direction:
        return False
    if target.dest_unit_id and not (posting["dest_unit__path"] or "").startswith(target.dest_unit.path):
        return False
    return not target.dest_title_id or posting["dest_position__title_id"] == target.dest_title_id


def plan_vs_actual(ctx: Context) -> dict:
    """Three queries whatever the number of plans and targets: the plans, their targets, and the counted
    postings linked from their lists; each target is then matched in memory, under the same rules as the
    drill-down's filter (postings.filters.plan_target_q): the plan's list, the direction, the unit or
    under it, the title."""
    plans = list(_plans(ctx))
    plan_ids = [p["pk"] for p in plans]
    targets = (
        PlanTarget.objects.filter(plan__in=plan_ids).select_related("dest_unit", "dest_title").order_by("plan_id", "pk")
    )
    entries = list(PlanEntry.objects.filter(plan_id__in=plan_ids).values_list("plan_id", "posting_id"))
    counted = Posting.objects.filter(status__in=OCCUPYING_STATUSES, is_primary=True).order_by()
    linked = counted.filter(pk__in=PlanEntry.objects.filter(plan_id__in=plan_ids).values("posting_id"))
    done_postings = {
        row["pk"]: row for row in linked.values("pk", "direction", "dest_unit__path", "dest_position__title_id")
    }
    linked_by_plan = defaultdict(set)
    for plan_id, posting_id in entries:
        if posting_id in done_postings:
            linked_by_plan[plan_id].add(posting_id)
    symbols = {p["pk"]: p["symbol"] for p in plans}
    items = []
    for target in targets:
        done = sum(1 for pk in linked_by_plan[target.plan_id] if _meets(done_postings[pk], target))
        items.append(
            {
                "plan": symbols[target.plan_id],
                "plan_id": target.plan_id,
                "target_id": target.pk,
                "label": _target_label(target),
                "direction": target.direction or None,
                "dest_unit": target.dest_unit_id,
                "dest_title": target.dest_title_id,
                "target": target.count,
                "done": done,
                "share": share(done, target.count),
                "drill": query({"counted": "true", "plan_target": target.pk}),
            }
        )
    planned = defaultdict(int)
    carried_out = defaultdict(int)
    for plan_id, posting_id in entries:
        planned[plan_id] += 1
        carried_out[plan_id] += posting_id in done_postings
    summaries = [
        {
            "plan": plan["symbol"],
            "plan_id": plan["pk"],
            "title": plan["title"],
            "date": plan["date"].isoformat(),
            "status": plan["status"],
            "planned_cadres": planned[plan["pk"]],
            "carried_out": carried_out[plan["pk"]],
            "drill": query({"counted": "true", "plan": plan["pk"]}),
        }
        for plan in plans
    ]
    explanation = (
        "Kế hoạch do đơn vị đang xem (hoặc đơn vị trực thuộc) ban hành, có ngày ban hành hoặc giai đoạn nằm "
        "trong kỳ báo cáo. «Đã thực hiện» là số lượt (đang thực hiện hoặc đã kết thúc, chức vụ chính) đã được "
        "gắn vào danh sách cán bộ của kế hoạch và đúng hướng, đơn vị (kể cả đơn vị trực thuộc), chức danh mà "
        "chỉ tiêu nêu; tính cả lượt bắt đầu ngoài kỳ báo cáo, vì chỉ tiêu thuộc kế hoạch chứ không thuộc kỳ. "
        "Kế hoạch còn là dự thảo vẫn được liệt kê, có ghi trạng thái. "
        "Một lượt có thể đáp ứng nhiều chỉ tiêu (ví dụ chỉ tiêu theo hướng và chỉ tiêu theo chức danh), nên "
        "cộng các dòng có thể lớn hơn số lượt đã thực hiện của kế hoạch."
    )
    return {
        "title": "Thực hiện chỉ tiêu kế hoạch",
        "explanation": explanation,
        "drill_list": POSTING_LIST,
        "plans": summaries,
        "items": items,
    }
