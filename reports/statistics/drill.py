"""Drill-down links: the posting or cadre list querystring that yields exactly the rows behind a figure.

A figure's querystring is the section's base filters plus the figure's own. Keys are sorted, so the
same figure always gets the same string (the results are compared byte for byte across runs).
"""

from __future__ import annotations

from urllib.parse import urlencode

# The URL names of the lists the querystrings are meant for (postings/urls.py, cadres/urls.py).
POSTING_LIST = "postings:list"
CADRE_LIST = "cadres:list"


def query(*parts: dict) -> str:
    """Merge filter dicts (later ones win) into a sorted querystring, without the leading '?'."""
    merged: dict[str, str] = {}
    for part in parts:
        for key, value in part.items():
            if value is None or value == "":
                merged.pop(key, None)
            else:
                merged[key] = str(value)
    return urlencode(sorted(merged.items()))


def plain(value):
    """The value with only JSON types: lazy labels and choice members become str, tuples lists, dates ISO."""
    import datetime
    from decimal import Decimal

    from django.utils.functional import Promise

    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str | Promise):
        return str(value)
    raise TypeError(f"Không chuyển được sang JSON: {type(value).__name__}")
