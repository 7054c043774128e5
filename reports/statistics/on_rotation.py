"""Cadres on rotation on a day, those due to end within 90 days, and those past their planned end."""

from __future__ import annotations

from django.db.models import Count

from postings.filters import on_rotation_q
from postings.models import OCCUPYING_STATUSES, Posting, PostingKind
from reports.statistics.context import Context
from reports.statistics.drill import POSTING_LIST, query
from rotation_registry.common.formatting import format_date

ENDING_WITHIN_DAYS = 90


def on_rotation(ctx: Context) -> dict:
    day = ctx.as_of
    qs = (
        Posting.objects.filter(kind=PostingKind.ROTATION, status__in=OCCUPYING_STATUSES, is_primary=True)
        .filter(ctx.posting_scope())
        .order_by()
    )
    counts = qs.aggregate(
        current=Count("pk", filter=on_rotation_q(day)),
        ending=Count("pk", filter=on_rotation_q(day, ending_within=ENDING_WITHIN_DAYS)),
        overdue=Count("pk", filter=on_rotation_q(day, overdue=True)),
    )
    base = {"kind": PostingKind.ROTATION.value, **ctx.counted_filter, "on_rotation": day.isoformat()}
    items = [
        {"key": "current", "label": "Đang luân chuyển", "value": counts["current"], "drill": query(base)},
        {
            "key": "ending_90_days",
            "label": f"Trong đó: hết thời hạn trong {ENDING_WITHIN_DAYS} ngày tới",
            "value": counts["ending"],
            "drill": query(base, {"ending_within": ENDING_WITHIN_DAYS}),
        },
        {
            "key": "overdue",
            "label": "Trong đó: đã quá thời hạn dự kiến mà chưa kết thúc",
            "value": counts["overdue"],
            "drill": query(base, {"overdue": "true"}),
        },
    ]
    explanation = (
        f"Tính vào ngày {format_date(day)}, không phụ thuộc kỳ báo cáo. Một lượt luân chuyển (đang thực hiện "
        "hoặc đã kết thúc, chức vụ chính) là «đang luân chuyển» khi đã bắt đầu từ ngày đó trở về trước và chưa "
        "kết thúc trước hoặc đúng ngày đó (ngày kết thúc thực tế là ngày nhận công tác mới). «Hết thời hạn "
        f"trong {ENDING_WITHIN_DAYS} ngày» là ngày kết thúc dự kiến từ ngày đó đến {ENDING_WITHIN_DAYS} ngày "
        "sau; «quá hạn» là ngày kết thúc dự kiến đã qua mà chưa kết thúc. Lượt không ghi ngày kết thúc dự kiến "
        "không thuộc hai dòng «trong đó», nên hai dòng này không cộng lại thành dòng trên."
    )
    return {
        "title": "Cán bộ đang luân chuyển",
        "explanation": explanation,
        "drill_list": POSTING_LIST,
        "as_of": day.isoformat(),
        "items": items,
    }
