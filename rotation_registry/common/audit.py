"""Audit context: who, from which request, and why, attached to every audited write.

The rows themselves are written by django-pghistory's database triggers (see models'
`@audited`), so bulk imports, `QuerySet.update()` and admin actions are recorded
as surely as form saves. This module declares what is audited and supplies the context the
triggers copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pghistory
import pghistory.middleware
from django.db import models

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


def audited(*trackers: pghistory.Tracker, exclude: list[str] | None = None):
    """Track a model's inserts, updates and deletes (or the `trackers` given) in an event table of its own.

    Each event table gets an index by time that also holds what the global audit log filters on (the
    action, the record and the request or job that wrote it), so the log (rotation_registry/audit_log.py)
    walks the newest events of every table without reading them, however many millions there are.
    """
    trackers = trackers or (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())

    def track(model):
        by_time = models.Index(
            fields=["pgh_created_at", "pgh_id"],
            include=["pgh_label", "pgh_obj", "pgh_context"],
            name=f"{model._meta.app_label[:5]}_{model._meta.model_name[:16]}_evtime",
        )
        return pghistory.track(*trackers, exclude=exclude, meta={"indexes": [by_time]})(model)

    return track


@contextmanager
def audit_context(*, actor=None, reason: str = "", request_id: str | None = None, **extra) -> Iterator[None]:
    """Attach actor, reason and request id to every write made inside the block.

    Nested blocks add to the outer context (pghistory merges them), so a service can state
    its reason inside a request that already carries the actor.
    """
    values = dict(extra)
    if actor is not None:
        values["user"] = actor.pk
        values["username"] = actor.get_username()
    if reason:
        values["reason"] = reason
    if request_id:
        values["request_id"] = request_id
    with pghistory.context(**values):
        yield


class AuditContextMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's middleware plus a request id (taken from a proxy header or generated)."""

    def get_context(self, request):
        context = super().get_context(request)
        context["request_id"] = request.request_id
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context["username"] = user.get_username()
        return context

    def __call__(self, request):
        # Every request gets an id (reads too: settings.PGHISTORY_MIDDLEWARE_METHODS limits the
        # audit context to writes), so a user's report of a failed page can be found in the logs.
        # The id RequestIdMiddleware gave the request (and returns in X-Request-ID), so the audit and the logs agree.
        if not getattr(request, "request_id", None):
            request.request_id = request.META.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        response = super().__call__(request)
        response["X-Request-ID"] = request.request_id
        return response
