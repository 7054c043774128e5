"""The dashboard's charts, drawn from a run's stored results (rotation_registry.common.charts draws)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from rotation_registry.common.charts import Bar, Series, bar_chart, line_chart

TOP_UNITS = 12


def _url(section: dict, querystring: str) -> str:
    return f"{reverse(section['drill_list'])}?{querystring}"


def directions_chart(results: dict) -> SafeString:
    form = results["sections"]["form11"]
    total = next(row for row in form["rows"] if row["key"] == "total")
    bars = [
        Bar(column["label"], total["values"].get(column["key"], 0), _url(form, total["drill"][column["key"]]))
        for column in form["columns"]
    ]
    other = total["values"].get(form["other_column"]["key"], 0)
    if other:
        bars.append(Bar(form["other_column"]["label"], other, _url(form, total["drill"][form["other_column"]["key"]])))
    return bar_chart(bars, title=_("Số lượt luân chuyển theo hướng"))


def items_chart(section: dict, *, limit: int | None = None, skip_empty: bool = True) -> SafeString:
    items = [item for item in section["items"] if item["value"] or not skip_empty]
    items = sorted(items, key=lambda item: -item["value"])[:limit] if limit else items
    bars = [Bar(item["label"], item["value"], _url(section, item["drill"])) for item in items]
    return bar_chart(bars, title=section["title"])


def evaluations_chart(section: dict) -> SafeString | None:
    items = [item for item in section["items"] if item["share"] is not None]
    if not items:
        return None
    years = [str(item["year"]) for item in items]
    series = [Series(_("Hoàn thành tốt nhiệm vụ trở lên (%)"), [item["share"] for item in items])]
    return line_chart(years, series, title=section["title"], unit="%")


def dashboard_charts(results: dict) -> dict[str, SafeString]:
    sections = results["sections"]
    charts = {
        "directions": directions_chart(results),
        "post_groups": items_chart(sections["by_post_group"]),
        "dest_units": items_chart(sections["by_dest_unit"], limit=TOP_UNITS),
        "origin_units": items_chart(sections["by_origin_unit"], limit=TOP_UNITS),
    }
    evaluations = evaluations_chart(sections["evaluations"])
    if evaluations is not None:
        charts["evaluations"] = evaluations
    return charts
