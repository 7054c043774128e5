"""A record's page address without resolving the route each time.

A list page links every row to its cadre, posting and decision: 75 `reverse()` calls per page of 25, each
walking the URL resolver (docs/performance.md §8). The route of a record page only differs by the id, so
it is resolved once per route (and URL configuration, and script prefix) with a stand-in id, and the id is
put in its place.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_STAND_IN = 918273645  # an id no route would print otherwise


@lru_cache(maxsize=64)
def _around_the_id(route: str, urlconf: str, prefix: str) -> tuple[str, str]:
    head, _, tail = reverse(route, urlconf=urlconf, args=[_STAND_IN]).partition(str(_STAND_IN))
    return head, tail


def record_url(route: str, pk: int) -> str:
    """`reverse(route, args=[pk])` for a route whose only argument is an integer id."""
    head, tail = _around_the_id(route, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{head}{int(pk)}{tail}"
