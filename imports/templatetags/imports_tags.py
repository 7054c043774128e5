from __future__ import annotations

from django import template

from rotation_registry.common.formatting import format_number

register = template.Library()


@register.filter
def number(value) -> str:
    """20000 -> '20.000', the Vietnamese way."""
    try:
        return format_number(int(value))
    except (TypeError, ValueError):
        return str(value)
