"""The completeness board's rows, written in Python.

A province's board lists 100–130 reporting units; in the template, their ~15 lookups a row took most of the
page's time on a slow machine (docs/performance.md §10), while joining escaped strings costs a few microseconds
a row. The markup is the template's own: one <tr> a period, the unit's name linking to its report.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def completeness_rows(rows) -> SafeString:
    """<tr>…</tr> for each reports.quarterly.selectors.PeriodRow of the board, in order."""
    parts: list[str] = []
    for row in rows:
        period = row.period
        deadline = period.deadline
        late_text = row.late_text
        late = ""
        if late_text:
            late = f' <span class="badge{" warn" if row.late else ""}">{escape(late_text)}</span>'
        parts.append(
            f'<tr><th scope="row"><a href="{escape(period.get_absolute_url())}">{escape(period.unit.name)}</a></th>'
            f"<td>{deadline.day}/{deadline.month}/{deadline.year}</td>"
            f'<td><span class="badge">{escape(row.status_label)}</span>{late}</td>'
            f"<td>{escape(row.first_text)}</td><td>{escape(row.last_text)}</td><td>{escape(row.reviewed_text)}</td>"
            f'<td class="num">{escape(row.record_text)}</td></tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text above is escaped)
