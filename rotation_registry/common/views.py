"""View helpers every app's list and history pages share."""

from __future__ import annotations

from django.shortcuts import render

from accounts.scopes import scope_roots
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
    # A name search within part of the registry: its few matches are each checked against the scope, the
    # expensive part, so they are counted in the scan that picks the page. Elsewhere a capped COUNT is cheaper.
    searching_a_scope = bool(request.GET.get("q", "").strip()) and scope_roots(request.user) is not None
    page = paginate(queryset, request.GET, count_with_page=searching_a_scope)
    return render(request, template, {"filterset": filterset, "page": page, "notice": notice, "sort": sort})


def history_page(request, obj):
    """Who changed the record, when, from what to what, and why (from the audit)."""
    context = {"object": obj, "entries": history_of(obj), "back_url": obj.get_absolute_url()}
    return render(request, "includes/history_page.html", context)
