"""Filter pieces every list shares: short catalogues read once, and drill-down filters kept out of the sidebar."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from rotation_registry.common.page_cache import data_version_read

# Catalogue rows by their query, with the data version they were read at (see CatalogueChoiceField.objects).
_CATALOGUES: dict[str, tuple[int, list]] = {}


class _CachedChoices(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.objects()) + (1 if self.field.empty_label is not None else 0)


class CatalogueChoiceField(forms.ModelChoiceField):
    """A <select> over a short catalogue (terms, position titles) that reads it once per form.

    Django's ModelChoiceField runs one query to validate the chosen value and another to draw the
    options; here both come from the same list, so a filtered list page pays one query per catalogue.
    """

    iterator = _CachedChoices

    def objects(self) -> list:
        if not hasattr(self, "_objects"):
            self._objects = _catalogue(self.queryset)
        return self._objects

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for obj in self.objects():
            if str(obj.pk) == str(value).strip():
                return obj
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


def _catalogue(queryset) -> list:
    """The catalogue's rows; while a kept-page view builds its page, those read at the same data version in this
    process are reused (terms and titles change only with a registry write, which moves the version)."""
    version = data_version_read()
    if version is None:
        return list(queryset)
    sql = str(queryset.query)
    kept = _CATALOGUES.get(sql)
    if kept is not None and kept[0] == version:
        return kept[1]
    rows = list(queryset)
    _CATALOGUES[sql] = (version, rows)
    return rows


class CatalogueChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CatalogueChoiceField


class SidebarMixin:
    """Which filters the list's sidebar shows. The others (the statistics' drill-down filters) are
    applied when present in the URL, carried as hidden inputs, and named in a notice instead."""

    sidebar: tuple[str, ...] = ()

    def __init__(self, data=None, *args, **kwargs):
        if self.sidebar:
            # Only the sidebar's filters and those the URL names: django-filter deep-copies every declared
            # filter, then the form every field, on each request, and a list page paid for the drill-down
            # filters it neither showed nor applied (docs/performance.md, "Load test").
            named = set(data.keys()) if data is not None else set()
            self.base_filters = {
                name: declared
                for name, declared in type(self).base_filters.items()
                if name in self.sidebar or any(key == name or key.startswith(f"{name}_") for key in named)
            }
        super().__init__(data, *args, **kwargs)

    def sidebar_fields(self):
        return [self.form[name] for name in self.form.fields if not self.sidebar or name in self.sidebar]

    def carried_fields(self) -> list[tuple[str, str, str]]:
        """(label, name, value as given) of the filters outside the sidebar present in the URL: they stay
        applied when the sidebar is submitted again."""
        if not self.sidebar or not self.is_bound:
            return []
        return [
            (self.form.fields[name].label, name, self.data[name])
            for name in self.form.fields
            if name not in self.sidebar and self.data.get(name)
        ]
