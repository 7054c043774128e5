"""The form renderer: the project's templates, with Django's plain <input> and <select> widgets written in Python.

Every list page renders its filter sidebar: a dozen widgets and about a hundred <option>s. Through
the template renderer each option is an included template (three template renders per option), which
made the sidebar the largest part of a list page's Python (docs/performance.md, "Load test"). The
widgets below produce, character for character, what Django's own templates
(django/forms/widgets/{input,select,select_option,attrs}.html) produce, and a test compares the two
for every widget kind used here (tests/common/test_form_renderer.py). Any other template — the
project's own widgets (includes/autocomplete.html), form and field layouts — goes through the
templates as before.
"""

from __future__ import annotations

from collections.abc import Callable

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _text(value) -> str:
    """What `{{ value }}` writes: localized, then escaped unless already safe."""
    value = localize(value)
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _as_string(value) -> str:
    """What `{{ value|stringformat:'s' }}` writes: str() first, so numbers are not localized; then escaped."""
    return conditional_escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `False` leaves the attribute out, `True` writes it bare."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_as_string(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_as_string(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _option(option: dict) -> str:
    return f'<option value="{_as_string(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>'


def _select(widget: dict) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return None  # a widget with its own option template: leave it to the templates
            # The included select_option.html ends with a newline; only the outer template's output is stripped.
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


INPUT_TEMPLATES = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search")
}
PYTHON_WIDGETS: dict[str, Callable[[dict], str | None]] = {
    **{name: _input for name in INPUT_TEMPLATES},
    "django/forms/widgets/select.html": _select,
}


class ProjectFormRenderer(TemplatesSetting):
    """TemplatesSetting (widgets may use the project's templates), with the plain widgets in Python."""

    def render(self, template_name, context, request=None) -> SafeString:
        render_in_python = PYTHON_WIDGETS.get(template_name)
        if render_in_python is not None and "widget" in context:
            html = render_in_python(context["widget"])
            if html is not None:
                return mark_safe(html)  # noqa: S308 — every value above went through conditional_escape
        return super().render(template_name, context, request)
