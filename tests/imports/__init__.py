"""Helpers for the import tests: build workbooks and CSV files, upload them, read the results."""

from __future__ import annotations

import csv
import io
import unicodedata

import pghistory.models
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from imports.columns import COLUMNS
from imports.models import ImportBatch


def headers(kind: str, keys: list[str] | None = None) -> list[str]:
    columns = COLUMNS[kind]
    return [c.header for c in columns if keys is None or c.key in keys]


def xlsx(kind: str, rows: list[dict], *, sheet: str | None = None, extra_rows_before: int = 0) -> bytes:
    """A workbook with the template's headers (all columns) and one row per dict (keys are column keys)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet or "Dữ liệu"
    for _ in range(extra_rows_before):
        ws.append(["Danh sách kèm theo công văn"])
    columns = COLUMNS[kind]
    ws.append([c.header for c in columns])
    for row in rows:
        ws.append([row.get(c.key) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(kind: str, rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8-sig") -> bytes:
    columns = COLUMNS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([row.get(c.key) or "" for c in columns])
    if encoding == "cp1258":
        return windows_1258(buffer.getvalue())
    return buffer.getvalue().encode(encoding)


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def windows_1258(text: str) -> bytes:
    """Text as Windows-1258 stores it: letters such as â, ơ, đ precomposed, tone marks combining."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        out.append(base + "".join(c for c in parts if c in _TONE_MARKS))
    return "".join(out).encode("cp1258")


def upload(client, kind: str, name: str, data: bytes):
    return client.post(reverse("imports:start"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def uploaded_batch(client, kind: str, name: str, data: bytes) -> ImportBatch:
    response = upload(client, kind, name, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[-1]))


def commit(client, batch: ImportBatch):
    return client.post(reverse("imports:commit", args=[batch.pk]))


def audit_count() -> int:
    """Audit rows of the registry (the import batches themselves are not audited models)."""
    return pghistory.models.Events.objects.count()


def result_of(batch: ImportBatch, row: int) -> dict:
    return next(r for r in batch.results if r["row"] == row)
