"""Optimistic concurrency: a form carries the version of the row it was drawn from.

The version is a digest of the row's stored values, so no column is needed and any change —
from another form, an import or the admin — makes an older form's save fail with a message.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

# Marked here, translated when raised: tests and callers compare the plain (Vietnamese) text.
STALE_MESSAGE = gettext_noop(
    "Bản ghi này vừa được người khác sửa sau khi anh/chị mở trang. Hãy mở lại trang để xem nội dung mới "
    "rồi nhập lại thay đổi; hệ thống không ghi đè lên thay đổi của người khác."
)


def row_version(instance) -> str:
    # Columns PostgreSQL derives by trigger (DERIVED_BY_DATABASE) follow the stored ones and are stale on an
    # instance that was just saved: they would make a fresh form look outdated.
    derived = getattr(type(instance), "DERIVED_BY_DATABASE", ())
    values = {
        field.attname: field.value_to_string(instance)
        for field in instance._meta.concrete_fields
        if field.name not in derived
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]


def lock_if_unchanged(instance, version: str):
    """The row, locked for this transaction, if it still has `version`; else a ValidationError."""
    current = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
    if not version or row_version(current) != version:
        raise ValidationError(gettext(STALE_MESSAGE), code="stale")
    return current
