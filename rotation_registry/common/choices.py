"""`get_FOO_display()` without rebuilding the field's choices on every call.

Django's `Model._get_FIELD_display` turns the field's whole list of choices into a dict (through
`make_hashable`, recursively) on each call. A list page calls it two or three times per row, and the
direction field has twenty choices: a few milliseconds a page (docs/performance.md §8). The labels
here are the same objects (lazy translations, translated when shown), built once per field.
"""

from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def _labels(field) -> dict:
    labels = field.__dict__.get("_choice_labels")
    if labels is None:
        labels = dict(make_hashable(field.flatchoices))
        field._choice_labels = labels
    return labels


class QuickChoiceLabels:
    """A model mixin: get_FOO_display() reads a dict built once per field."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        label = _labels(field).get(make_hashable(value), value)
        return force_str(label, strings_only=True)
