"""The unit tree as nested lists, written in Python.

A province's tree on a date has up to ~2,000 units: a template that includes itself per node spent
most of the page's time (docs/performance.md), while joining escaped strings costs a few
microseconds a unit. The markup stays trivial: nested <ul>, a link per unit, a note for former units.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from units.selectors import TreeNode

register = template.Library()


def _day(value) -> str:
    return f"{value.day}/{value.month}/{value.year}"


def _note(node: TreeNode) -> str:
    """'— đến 30/6/2025, nay là Xã Hợp Nhất' for a unit that has ended since."""
    ended = node.unit.valid_to
    if ended is None:
        return ""
    text = gettext("— đến %(day)s") % {"day": _day(ended)}
    if node.became:
        names = ", ".join(successor.name for successor in node.became)
        text += gettext(", nay là %(names)s") % {"names": names}
    return f' <span class="former">{escape(text)}</span>'


@register.simple_tag
def unit_tree_list(tree: TreeNode, on) -> SafeString:
    """<ul><li><a …>Tỉnh</a><ul><li>…</li></ul></li></ul> for the tree, each link keeping the date."""
    # One reverse() for the page: the detail URL differs between units by the id alone.
    prefix, suffix = reverse("units:detail", kwargs={"pk": 0}).rsplit("0", 1)
    query = escape(f"?on={on.isoformat()}")
    parts: list[str] = ["<ul>"]
    depth = 0
    for node in tree.walk():
        while depth > node.depth:
            parts.append("</ul></li>")
            depth -= 1
        parts.append(f'<li><a href="{prefix}{node.unit.pk}{suffix}{query}">{escape(node.unit.name)}</a>')
        parts.append(_note(node))
        if node.children:
            parts.append("<ul>")
            depth += 1
        else:
            parts.append("</li>")
    parts.append("</ul></li>" * depth)
    parts.append("</ul>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text above is escaped)
