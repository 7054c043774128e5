"""A search box instead of a <select> over a large table: the page never renders thousands of options."""

from __future__ import annotations

from django import forms
from django.urls import reverse


class AutocompleteWidget(forms.Widget):
    """A visible search box (htmx asks `url` for matches) and a hidden input holding the chosen id.

    Only the selected object's label is rendered, so the widget costs one query at most, and none
    when the form already read the object (`chosen`, set by lists.filtered after validation).
    """

    chosen = None

    template_name = "includes/autocomplete.html"

    def __init__(self, url_name: str, model, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.model = model

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        if value not in (None, ""):
            if self.chosen is not None and str(self.chosen.pk) == str(value):
                obj = self.chosen
            else:
                obj = self.model._default_manager.filter(pk=value).first() if str(value).isdigit() else None
            label = str(obj) if obj is not None else ""
        context["widget"].update(url=reverse(self.url_name), label=label, list_id=f"{attrs.get('id', name)}-choices")
        return context
