"""Server-drawn SVG charts: proportional bars, Vietnamese numbers, links, escaping, no inline style."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rotation_registry.common.charts import Bar, Series, bar_chart, line_chart, nice_step

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bars_are_proportional_and_numbers_vietnamese():
    svg = bar_chart(
        [Bar("Huyện về xã", 4200, "/postings/?direction=huyen_xa"), Bar("Tỉnh về huyện", 2100)],
        title="Theo hướng luân chuyển",
    )
    root = _parse(svg)
    rects = root.findall(f".//{SVG}rect")
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] == 2 * widths[1] > 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "4.200" in texts and "2.100" in texts and "Huyện về xã" in texts
    # The first bar links to its rows; the second has no link.
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["/postings/?direction=huyen_xa"]
    assert links[0].get("aria-label") == "Huyện về xã: 4.200 lượt"
    assert root.find(f"{SVG}title").text == "Theo hướng luân chuyển"
    assert "Tỉnh về huyện: 2.100 lượt" in root.find(f"{SVG}desc").text
    assert "style=" not in svg  # the CSP allows no inline style
    # With links inside, the chart is a named group (an image's children would be hidden).
    assert root.get("role") == "group" and root.get("aria-label") == "Theo hướng luân chuyển"
    assert _parse(bar_chart([Bar("A", 1)], title="t")).get("role") == "img"


def test_labels_are_escaped_and_empty_charts_draw():
    svg = bar_chart([Bar("<script>x</script> & y", 0)], title="A & B")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    _parse(svg)
    _parse(bar_chart([], title="Trống"))


def test_line_chart_plots_each_series_over_the_terms():
    svg = line_chart(
        ["2010–2015", "2015–2020", "2020–2025"],
        [Series("Luân chuyển", [90, 132, None]), Series("Điều động", [10, 20, 30])],
        title="Theo nhiệm kỳ",
    )
    root = _parse(svg)
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2
    # The gap (None) leaves the first line with two points; higher values sit higher (smaller y).
    first = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    assert len(first) == 2 and first[1][1] < first[0][1]
    assert "2015–2020 132 lượt" in root.find(f"{SVG}desc").text


def test_grid_steps_are_round():
    assert nice_step(132) == 50
    assert nice_step(4) == 1
    assert nice_step(1_000_000) == 200_000
    assert nice_step(0) == 1
