"""Template filters for stored statistics: Vietnamese numbers, shares, dates and drill-down links."""

from __future__ import annotations

import datetime
from functools import cache

from django import template
from django.urls import reverse

from rotation_registry.common.formatting import format_date, format_number

register = template.Library()


@register.filter
def number(value) -> str:
    """4200 -> '4.200'; None (a cell that has no figure) -> '—'."""
    return "—" if value is None or value == "" else format_number(value)


@register.filter
def share(value) -> str:
    """A stored percentage (92.03) as the board writes it: '92,03%', '98,5%', '100%'."""
    if value is None:
        return "—"
    text = format_number(value, 2)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text}%"


@register.filter
def signed_share(value) -> str:
    """A change in percentage points: '+3,5', '−1,25', '0'."""
    if value is None:
        return "—"
    text = share(abs(value)).removesuffix("%")
    return ("+" if value > 0 else "−" if value < 0 else "") + text


@register.filter
def isodate(value: str | None) -> str:
    return format_date(datetime.date.fromisoformat(value)) if value else "—"


@cache
def _list_url(name: str) -> str:
    return reverse(name)


@register.filter
def drill(querystring: str | None, list_name: str) -> str:
    """The list behind a figure: `{{ item.drill|drill:section.drill_list }}`."""
    if querystring is None:
        return ""
    return f"{_list_url(list_name)}?{querystring}" if querystring else _list_url(list_name)


@register.filter
def get(mapping: dict | None, key):
    """mapping[key] in a template (the composition's values per date)."""
    return (mapping or {}).get(key)
