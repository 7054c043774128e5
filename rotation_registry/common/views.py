"""View helpers every app's list and history pages share."""

from __future__ import annotations

from django.shortcuts import render

from accounts.scopes import scope_roots
from rotation_registry.common.counting import estimated_rows
from rotation_registry.common.export import Column, export_response
from rotation_registry.common.history import history_of
from rotation_registry.common.lists import FEW_ROWS, paginate


def list_page(request, *, selector, columns: list[Column], filename: str, template: str):
    """A filtered list, or its XLSX/CSV export (`?export=xlsx|csv`) with the same filters."""
    filterset, queryset, notice, sort = selector(user=request.user, params=request.GET)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        rows = queryset.iterator(chunk_size=2000)
        return export_response(columns=columns, rows=rows, file_format=export, filename=filename)
    page = paginate(queryset, request.GET, count_with_page=_search_with_few_matches(request, queryset))
    return render(request, template, {"filterset": filterset, "page": page, "notice": notice, "sort": sort})


def _search_with_few_matches(request, queryset) -> bool:
    """Whether a name search's matches are few enough to be counted in the scan that picks the page.

    The trigram scan is the expensive part of a search (12-15 ms at 10^5 cadres): done once for few
    matches, not once for the count and again for the page. Within part of the registry the reach
    prefilter leaves few (Cadre.visible_to), and planning that query costs ~6 ms, so it is not asked.
    Over the whole registry PostgreSQL's estimate decides: "nguyen van" (11,000 matches) is cheaper as
    a count, kept per data version, and the first 26 names in index order.
    """
    if not request.GET.get("q", "").strip():
        return False
    return scope_roots(request.user) is not None or estimated_rows(queryset) <= FEW_ROWS


def history_page(request, obj):
    """Who changed the record, when, from what to what, and why (from the audit)."""
    context = {"object": obj, "entries": history_of(obj), "back_url": obj.get_absolute_url()}
    return render(request, "includes/history_page.html", context)
