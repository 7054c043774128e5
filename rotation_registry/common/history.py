"""A record's history, read from the audit (django-pghistory events): who, when, what, why."""

from __future__ import annotations

from dataclasses import dataclass, field

import pghistory.models
from django.utils.translation import gettext_lazy as _

LABELS = {"insert": _("Tạo mới"), "update": _("Sửa"), "delete": _("Xóa")}


@dataclass
class Change:
    field: str
    before: object
    after: object


@dataclass
class HistoryEntry:
    when: object
    who: str
    action: str
    reason: str
    request_id: str
    changes: list[Change] = field(default_factory=list)
    event: str = ""  # pghistory's label (insert, update, delete), whatever the language of `action`


def verbose_field_name(model, attname: str) -> str:
    """The field's name as users read it (its verbose name), or the column's name when it is not a field."""
    for model_field in model._meta.concrete_fields:
        if model_field.attname == attname:
            return str(model_field.verbose_name)
    return attname


HIDDEN = {"id", "path", "name_key", "search_key", "sort_key", "password"}


def history_of(obj) -> list[HistoryEntry]:
    """Newest first. Before/after values come from pghistory's diff of consecutive snapshots."""
    events = pghistory.models.Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")
    entries = []
    for event in events:
        context = event.pgh_context or {}
        diff = event.pgh_diff or {}
        changes = [
            Change(verbose_field_name(type(obj), name), before, after)
            for name, (before, after) in sorted(diff.items())
            if name not in HIDDEN
        ]
        if event.pgh_label == "insert":
            changes = []
        entries.append(
            HistoryEntry(
                when=event.pgh_created_at,
                who=context.get("username") or (_("hệ thống") if not context.get("user") else f"#{context['user']}"),
                action=LABELS.get(event.pgh_label, event.pgh_label),
                reason=context.get("reason", ""),
                request_id=context.get("request_id", ""),
                changes=changes,
                event=event.pgh_label,
            )
        )
    return entries
