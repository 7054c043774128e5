"""Reads of import batches, always through ImportBatch.objects.visible_to (404 for someone else's)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from imports.models import ImportBatch


def batch_list_for_user(*, user, limit: int = 20) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(user).without_rows().select_related("created_by")[:limit]


def batch_get_for_user(*, user, pk: int, with_rows: bool = False) -> ImportBatch:
    queryset = ImportBatch.objects.visible_to(user).select_related("created_by", "committed_by")
    if not with_rows:
        queryset = queryset.defer("rows")
    return get_object_or_404(queryset, pk=pk)


def batch_progress_for_user(*, user, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.visible_to(user).without_rows(), pk=pk)
