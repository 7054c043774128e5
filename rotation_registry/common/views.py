"""View helpers every app's list and history pages share."""

from __future__ import annotations

from django.shortcuts import render

from rotation_registry.common.export import Column, export_response
from rotation_registry.common.history import history_of
from rotation_registry.common.lists import paginate


def list_page(request, *, selector, columns: list[Column], filename: str, template: str):
    """A filtered list, or its XLSX/CSV export (`?export=xlsx|csv`) with the same filters."""
    filterset, queryset, notice, sort = selector(user=request.user, params=request.GET)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        rows = queryset.iterator(chunk_size=2000)
        return export_response(columns=columns, rows=rows, file_format=export, filename=filename)
    # A name search reads the trigram index, the expensive part (12-15 ms at 10^5 cadres): when its matches
    # are few they are counted in the scan that picks the page, not in a second one.
    searching = bool(request.GET.get("q", "").strip())
    page = paginate(queryset, request.GET, count_with_page=searching)
    return render(request, template, {"filterset": filterset, "page": page, "notice": notice, "sort": sort})


def history_page(request, obj):
    """Who changed the record, when, from what to what, and why (from the audit)."""
    context = {"object": obj, "entries": history_of(obj), "back_url": obj.get_absolute_url()}
    return render(request, "includes/history_page.html", context)
