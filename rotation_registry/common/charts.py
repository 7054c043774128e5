"""Charts drawn on the server as SVG: the same markup goes into the dashboard and into the PDFs.

No JavaScript and no external asset: plain SVG with presentation attributes (no `style`
attributes, which the Content Security Policy would refuse), a <title> and <desc> for screen
readers, numbers written the Vietnamese way, and each bar a link to the rows behind it.
Text widths are estimated (about 0.56 em per character for Liberation Sans); the layout leaves
room for the longest label rather than measuring glyphs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from rotation_registry.common.formatting import format_number

FONT = "Liberation Sans, Arial, sans-serif"
FONT_SIZE = 12
CHAR_WIDTH = 0.56 * FONT_SIZE
BAR_COLOUR = "#1f5f99"  # 7.0:1 against white: readable as a bar and as the text beside it
TEXT_COLOUR = "#1a1a1a"
GRID_COLOUR = "#c8c8c8"
SERIES_COLOURS = ("#1f5f99", "#b3261e", "#2e7d32", "#6a1b9a", "#8d6e00")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float
    href: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    values: list[int | float | None]  # one per x label; None leaves a gap


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _link(href: str, body: str, label: str) -> str:
    if not href:
        return body
    return f'<a href="{escape(href)}" aria-label="{escape(label)}">{body}</a>'


def _svg(width: float, height: float, title: str, description: str, body: list[str], *, links: bool) -> SafeString:
    # An image's children are presentational to assistive technology, so a chart with links is a
    # group (each link then keeps its own name) and a chart without is an image.
    role = f'role="group" aria-label="{escape(title)}"' if links else 'role="img"'
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" {role} width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (every text above is escaped)


def nice_step(largest: float, ticks: int = 5) -> float:
    """A round grid step (1, 2 or 5 × 10^n, at least 1) giving about `ticks` lines up to `largest`."""
    if largest <= 0:
        return 1
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    factor = next(f for f in (1, 2, 5, 10) if raw <= f * magnitude)
    return max(1, factor * magnitude)  # counts are whole numbers: never a step below one


def bar_chart(bars: list[Bar], *, title: str, unit: str | None = None, width: int = 640) -> SafeString:
    """Horizontal bars, labels on the left (Vietnamese labels are long), the value after each bar."""
    unit = unit or gettext("lượt")
    row_height, gap, top = 22, 6, 8
    label_width = min(max((_text_width(bar.label) for bar in bars), default=0) + 12, width * 0.45)
    value_width = max((_text_width(format_number(bar.value)) for bar in bars), default=0) + 10
    plot_width = max(width - label_width - value_width, 60)
    largest = max((bar.value for bar in bars), default=0)
    scale = plot_width / largest if largest else 0
    height = top + len(bars) * (row_height + gap) + 8
    body: list[str] = []
    for index, bar in enumerate(bars):
        y = top + index * (row_height + gap)
        length = bar.value * scale
        value_text = format_number(bar.value)
        body.append(
            f'<text x="{label_width - 8:.1f}" y="{y + row_height / 2:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(bar.label)}</text>'
        )
        shape = (
            f'<rect x="{label_width:.1f}" y="{y:.1f}" width="{length:.1f}" height="{row_height}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + length + 5:.1f}" y="{y + row_height / 2:.1f}" '
            f'dominant-baseline="middle">{value_text}</text>'
        )
        body.append(_link(bar.href, shape, f"{bar.label}: {value_text} {unit}"))
    description = "; ".join(f"{bar.label}: {format_number(bar.value)} {unit}" for bar in bars)
    return _svg(width, height, title, description, body, links=any(bar.href for bar in bars))


def line_chart(x_labels: list[str], series: list[Series], *, title: str, unit: str | None = None, width: int = 640):
    """One line per series over the x labels (terms or years), with a grid, dots and a legend."""
    unit = unit or gettext("lượt")
    height, left, right, top, bottom = 260, 48, 16, 12, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    step = nice_step(max(values, default=0))
    ceiling = step * max(1, math.ceil(max(values, default=0) / step))
    columns = max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return left + (plot_w * index / columns if len(x_labels) > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return top + plot_h - plot_h * value / ceiling

    body: list[str] = []
    tick = 0.0
    while tick <= ceiling + 1e-9:
        y = y_at(tick)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID_COLOUR}"/>')
        body.append(f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle">')
        body.append(f"{format_number(tick)}</text>")
        tick += step
    for index, label in enumerate(x_labels):
        body.append(f'<text x="{x_at(index):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{escape(label)}</text>')
    for number, line in enumerate(series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        points = [(x_at(i), y_at(v)) for i, v in enumerate(line.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
        legend_x = left + number * (plot_w / max(len(series), 1))
        body.append(f'<rect x="{legend_x:.1f}" y="{height - 16}" width="12" height="12" fill="{colour}"/>')
        body.append(f'<text x="{legend_x + 16:.1f}" y="{height - 6}">{escape(line.name)}</text>')
    description = "; ".join(
        f"{line.name}: "
        + ", ".join(
            f"{label} {format_number(v)} {unit}"
            for label, v in zip(x_labels, line.values, strict=True)
            if v is not None
        )
        for line in series
    )
    return _svg(width, height, title, description, body, links=False)
