"""The unit filter every list uses: a search box (never a <select> over thousands of units)."""

from __future__ import annotations

import django_filters

from rotation_registry.common.widgets import AutocompleteWidget
from units.models import Unit


def unit_filter(label, method: str) -> django_filters.ModelChoiceFilter:
    """A unit chosen by typing its name; `method` decides what "in this unit" means for the list."""
    return django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), widget=AutocompleteWidget("units:autocomplete", Unit), label=label, method=method
    )
