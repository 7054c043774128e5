from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from postings import selectors
from rotation_registry.common.export import Column, export_response
from rotation_registry.common.history import history_of
from rotation_registry.common.lists import paginate

POSTING_COLUMNS = [
    Column("Họ và tên", lambda p: p.cadre.full_name),
    Column("Ngày sinh", lambda p: p.cadre.date_of_birth),
    Column("Hình thức", lambda p: p.get_kind_display()),
    Column("Chức vụ nơi đi", lambda p: p.origin_title_name),
    Column("Đơn vị nơi đi", lambda p: p.origin_unit_name),
    Column("Chức vụ nơi đến", lambda p: p.dest_title_name),
    Column("Đơn vị nơi đến", lambda p: p.dest_unit_name),
    Column("Hướng luân chuyển", lambda p: p.get_direction_display()),
    Column("Quyết định", lambda p: p.decision.symbol),
    Column("Ngày quyết định", lambda p: p.decision.date),
    Column("Ngày bắt đầu", lambda p: p.start_date),
    Column("Kết thúc dự kiến", lambda p: p.planned_end),
    Column("Kết thúc thực tế", lambda p: p.actual_end),
    Column("Trạng thái", lambda p: p.get_status_display()),
]
DECISION_COLUMNS = [
    Column("Số, ký hiệu", lambda d: d.symbol),
    Column("Ngày ký", lambda d: d.date),
    Column("Cơ quan ban hành", lambda d: d.issuing_unit.name),
    Column("Trích yếu", lambda d: d.summary),
    Column("Người ký", lambda d: d.signer),
    Column("Trạng thái", lambda d: d.get_status_display()),
]


def _list_or_export(request, *, selector, columns, filename: str, template: str):
    filterset, queryset, notice, sort = selector(user=request.user, params=request.GET)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        return export_response(
            columns=columns, rows=queryset.iterator(chunk_size=2000), file_format=export, filename=filename
        )
    page = paginate(queryset, request.GET)
    return render(request, template, {"filterset": filterset, "page": page, "notice": notice, "sort": sort})


@login_required
def posting_list(request):
    return _list_or_export(
        request,
        selector=selectors.posting_list,
        columns=POSTING_COLUMNS,
        filename="luan-chuyen",
        template="postings/posting_list.html",
    )


@login_required
def posting_detail(request, pk: int):
    posting = selectors.posting_get_for_user(user=request.user, pk=pk)
    return render(request, "postings/posting_detail.html", {"posting": posting, "overrides": posting.overrides.all()})


@login_required
def posting_history(request, pk: int):
    posting = selectors.posting_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "includes/history_page.html",
        {"object": posting, "entries": history_of(posting), "back_url": posting.get_absolute_url()},
    )


@login_required
def decision_list(request):
    return _list_or_export(
        request,
        selector=selectors.decision_list,
        columns=DECISION_COLUMNS,
        filename="quyet-dinh",
        template="postings/decision_list.html",
    )


@login_required
def decision_detail(request, pk: int):
    decision = selectors.decision_get_for_user(user=request.user, pk=pk)
    postings = selectors.decision_postings(user=request.user, decision=decision)
    return render(request, "postings/decision_detail.html", {"decision": decision, "postings": postings})


@login_required
def decision_history(request, pk: int):
    decision = selectors.decision_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "includes/history_page.html",
        {"object": decision, "entries": history_of(decision), "back_url": decision.get_absolute_url()},
    )


def not_built_yet(request, pk: int | None = None):
    """Placeholder while the recording forms are written (replaced in this same piece of work)."""
    from django.http import Http404

    raise Http404("Chức năng đang được xây dựng.")
