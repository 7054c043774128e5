"""Yearly evaluation results of the scope's cadres: "hoàn thành tốt nhiệm vụ trở lên" as a share."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from accounts.scopes import unit_in
from cadres.filters import GOOD_OR_BETTER_KEY
from cadres.models import GOOD_OR_BETTER, Evaluation
from reports.statistics.context import Context
from reports.statistics.drill import CADRE_LIST, query


def share(part: int, whole: int) -> float | None:
    """A percentage with two decimals, rounded half up (231/251 -> 92.03); None when nothing was rated."""
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def evaluations(ctx: Context) -> dict:
    rated = Evaluation.objects.filter(quarter__isnull=True, year__gte=ctx.start.year, year__lte=ctx.end.year)
    if ctx.reach is not None:
        rated = rated.filter(cadre__in=_cadres_in_scope(ctx))
    rows = (
        rated.values_list("year")
        .annotate(rated=Count("pk"), good=Count("pk", filter=Q(level__in=GOOD_OR_BETTER)))
        .order_by("year")
    )
    base = ctx.cadre_scope_filter
    items = [
        {
            "year": year,
            "rated": n,
            "good_or_better": good,
            "share": share(good, n),
            "drill": {
                "rated": query(base, {"evaluated_year": year}),
                "good_or_better": query(base, {"evaluated_year": year, "evaluation": GOOD_OR_BETTER_KEY}),
            },
        }
        for year, n, good in rows
    ]
    explanation = (
        "Đánh giá, xếp loại cả năm (không tính đánh giá theo quý) của các năm trong kỳ báo cáo, của cán bộ "
        "hiện công tác tại đơn vị đang xem hoặc đơn vị trực thuộc (theo đơn vị công tác ghi trong hồ sơ cán "
        "bộ). «Hoàn thành tốt nhiệm vụ trở lên» gồm hoàn thành xuất sắc và hoàn thành tốt nhiệm vụ; tỷ lệ "
        "tính trên số cán bộ được xếp loại năm đó, làm tròn hai chữ số thập phân. Mỗi cán bộ có nhiều nhất "
        "một xếp loại cả năm."
    )
    return {
        "title": "Kết quả đánh giá, xếp loại hằng năm",
        "explanation": explanation,
        "drill_list": CADRE_LIST,
        "items": items,
    }


def _cadres_in_scope(ctx: Context):
    from cadres.models import Cadre

    return Cadre.objects.filter(unit_in("unit", ctx.reach)).values("pk")
