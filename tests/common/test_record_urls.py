"""record_url gives what reverse() gives, under any script prefix."""

from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from rotation_registry.common.record_urls import record_url

ROUTES = ["cadres:detail", "postings:detail", "postings:decision_detail", "cadres:history"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("pk", [1, 42, 918273645, 10**12])
def test_the_same_address_as_reverse(route, pk):
    assert record_url(route, pk) == reverse(route, args=[pk])


def test_a_script_prefix_is_kept():
    set_script_prefix("/so-luan-chuyen/")
    try:
        assert record_url("cadres:detail", 7) == reverse("cadres:detail", args=[7])
        assert record_url("cadres:detail", 7).startswith("/so-luan-chuyen/")
    finally:
        clear_script_prefix()
    assert record_url("cadres:detail", 7) == reverse("cadres:detail", args=[7])
