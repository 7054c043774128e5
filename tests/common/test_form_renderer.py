"""The widgets written in Python (common/form_renderer.py) produce exactly what Django's templates produce."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.http import QueryDict
from django.utils.translation import gettext_lazy, override

from cadres.filters import CadreFilterSet
from cadres.models import Cadre
from plans.filters import PlanFilterSet
from plans.models import Plan
from postings.filters import DecisionFilterSet, PostingFilterSet
from postings.models import Decision, Posting
from rotation_registry.common.form_renderer import PYTHON_WIDGETS, ProjectFormRenderer
from tests.postings import kit_fixture  # noqa: F401  (the `kit` fixture)


class EveryKind(forms.Form):
    text = forms.CharField(label="Họ và tên", widget=forms.TextInput(attrs={"placeholder": 'nguyễn "văn" <a>'}))
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "step": 1}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    search = forms.CharField(widget=forms.SearchInput(attrs={"autocomplete": "off", "autofocus": True}))
    email = forms.EmailField()
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    choice = forms.ChoiceField(
        choices=[("", "— tất cả —"), ("a&b", "Tỉnh <A> & B"), (2016, 2016), (4200, gettext_lazy("Nhiệm kỳ"))]
    )
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Trước 2025", [("h", "Huyện"), ("t", "Tỉnh")]), ("Sau 2025", [("x", "Xã")])],
        widget=forms.Select(attrs={"disabled": False, "data-x": True}),
    )
    many = forms.MultipleChoiceField(choices=[("1", "Một"), ("2", "Hai"), ("3", "Ba")])
    optional_number = forms.IntegerField(required=False)


def _both(form: forms.Form) -> list[tuple[str, str, str]]:
    rendered = []
    for name in form.fields:
        form.renderer = ProjectFormRenderer()
        fast = str(form[name])
        form.renderer = TemplatesSetting()
        slow = str(form[name])
        rendered.append((name, fast, slow))
    return rendered


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": 'Nguyễn "Văn" <b>&', "number": "4200", "day": "2017-08-23", "hidden": "x", "choice": "a&b"},
        {"choice": "4200", "grouped": "t", "many": ["1", "3"], "number": "not a number", "day": "31/2/2017"},
    ],
)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_widget_kind_renders_as_the_templates_do(data, language):
    initial = {"day": datetime.date(2017, 8, 23), "number": 4200, "optional_number": None}
    form = EveryKind(data=data, initial=initial)
    with override(language):
        for name, fast, slow in _both(form):
            assert fast == slow, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filterset_class", "model"),
    [(PostingFilterSet, Posting), (CadreFilterSet, Cadre), (DecisionFilterSet, Decision), (PlanFilterSet, Plan)],
)
def test_the_list_sidebars_render_as_the_templates_do(filterset_class, model, kit):
    params = QueryDict("q=nguyen&sex=x&direction=tinh_huyen&on=23/8/2017&age_min=abc&term=1", mutable=True)
    filterset = filterset_class(data=params, queryset=model.objects.none())
    form = filterset.form
    form.is_valid()
    compared = _both(form)
    assert compared
    for name, fast, slow in compared:
        assert fast == slow, name


def test_the_python_widgets_are_the_ones_django_ships():
    # A widget template the project overrode would no longer match its Python twin: none may be overridden.
    from django.template.loader import get_template

    for template_name in PYTHON_WIDGETS:
        origin = get_template(template_name).origin.name
        assert "/django/forms/templates/" in origin, template_name
