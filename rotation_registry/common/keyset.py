"""Keyset ("seek") pagination: the next page starts after the last row shown, whatever its depth.

An OFFSET page makes PostgreSQL produce and throw away every earlier row: page 200 of a province's
postings sorts 5,000 rows to show 25. A keyset page filters on the sort key of the row it continues
from (`start_date < d OR (start_date = d AND id < n)`), so page 200 costs what page 1 costs. The
page links carry that key as an opaque token (`?after=…` for "next", `?before=…` for "previous");
a link typed by hand with only `?page=N` still works, by OFFSET.

Only plain field orderings are handled (every list sorts by a whitelist of field names ending in
`id`, so the key is unique); anything else, or a token made for another sort, falls back to OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet

AFTER = "after"
BEFORE = "before"


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY term: a field path and its direction (PostgreSQL puts NULLs last ascending, first descending)."""

    path: str
    descending: bool
    nullable: bool


def sort_keys(queryset: QuerySet) -> list[SortKey] | None:
    """The queryset's ORDER BY as field paths, or None when it is not a plain, unique field ordering."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    if not ordering or not all(isinstance(term, str) for term in ordering):
        return None
    keys = []
    for term in ordering:
        path = term.removeprefix("-")
        nullable = _nullable(queryset.model, path)
        if nullable is None:
            return None
        keys.append(SortKey(path=path, descending=term.startswith("-"), nullable=nullable))
    if keys[-1].path not in ("id", "pk"):
        return None  # without a unique last key, rows with equal keys could be skipped or repeated
    return keys


def _nullable(model: type[Model], path: str) -> bool | None:
    """Whether the field at the end of `a__b__c` may be NULL (through a nullable relation, too); None if no field."""
    nullable = False
    try:
        for part in path.split("__"):
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
            nullable = nullable or field.null
            if field.is_relation:
                model = field.related_model
    except FieldDoesNotExist:
        return None
    return nullable


def encode(keys: list[SortKey], row: Model) -> str:
    values = [_json_value(_value_at(row, key.path)) for key in keys]
    payload = json.dumps([[key.path for key in keys], values], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(keys: list[SortKey], token: str) -> list | None:
    """The values a token carries, or None when it is malformed or made for another sort."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        paths, values = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        return None
    if paths != [key.path for key in keys] or not isinstance(values, list) or len(values) != len(keys):
        return None
    return values


def _value_at(row: Model, path: str):
    value = row
    for part in path.split("__"):
        if value is None:
            return None
        value = value.pk if part == "pk" else getattr(value, part)
    return value.pk if isinstance(value, Model) else value


def _json_value(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def seek(queryset: QuerySet, keys: list[SortKey], values: list, *, backwards: bool) -> QuerySet | None:
    """The rows strictly after (or, backwards, before) the row whose sort key is `values`, in sort order.

    Backwards, the order is reversed (the caller reverses the fetched rows back). None when a value
    does not fit its field (a forged token): the caller falls back to OFFSET.
    """
    terms = []
    for index, key in enumerate(keys):
        descending = key.descending != backwards
        beyond = _beyond(key, values[index], descending=descending, backwards=backwards)
        if beyond is None:
            continue  # nothing sorts beyond this value on this key
        equal = [_equal(keys[j], values[j]) for j in range(index)]
        terms.append(reduce(and_, [*equal, beyond]))
    condition = reduce(or_, terms) if terms else Q(pk__in=[])
    first, first_value = keys[0], values[0]
    if first_value is not None and not first.nullable:
        # Implied by the condition, but only this plain bound lets an index on the first key start its
        # scan at the token instead of filtering every row before it.
        descending = first.descending != backwards
        condition &= Q(**{f"{first.path}__lte" if descending else f"{first.path}__gte": first_value})
    ordering = [f"-{key.path}" if key.descending != backwards else key.path for key in keys]
    try:
        sought = queryset.filter(condition).order_by(*ordering)
        str(sought.query)  # converts the values: a forged one raises here, not while rendering
    except (ValidationError, ValueError, TypeError):
        return None
    return sought


def _equal(key: SortKey, value) -> Q:
    return Q(**{f"{key.path}__isnull": True}) if value is None else Q(**{key.path: value})


def _beyond(key: SortKey, value, *, descending: bool, backwards: bool) -> Q | None:
    """Rows that sort after `value` on this key, in the (possibly reversed) direction.

    PostgreSQL's NULL placement is fixed by the original direction (last ascending, first descending);
    walking backwards mirrors it.
    """
    nulls_last = not key.descending
    if backwards:
        nulls_last = not nulls_last
    if value is None:
        # NULLs last: nothing comes after a NULL. NULLs first: every non-NULL comes after it.
        return None if nulls_last else Q(**{f"{key.path}__isnull": False})
    beyond = Q(**{f"{key.path}__lt" if descending else f"{key.path}__gt": value})
    if key.nullable and nulls_last:
        beyond |= Q(**{f"{key.path}__isnull": True})
    return beyond
