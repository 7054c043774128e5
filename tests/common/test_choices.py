"""QuickChoiceLabels gives what Django's get_FOO_display gives, in both languages, for every choice field."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils.translation import override

from cadres.models import Cadre
from plans.models import Plan
from postings.models import Decision, Posting


def _choice_fields(model):
    return [f for f in model._meta.concrete_fields if f.choices]


@pytest.mark.parametrize("model", [Posting, Cadre, Decision, Plan])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_labels_are_djangos(model, language):
    fields = _choice_fields(model)
    assert fields, model
    for field in fields:
        for value in [*(v for v, _ in field.flatchoices), None, "not-a-choice"]:
            row = model()
            setattr(row, field.attname, value)
            with override(language):
                quick = getattr(row, f"get_{field.name}_display")()
                django = models.Model._get_FIELD_display(row, field)
            assert quick == django, (model.__name__, field.name, value)
            assert type(quick) is type(django)
