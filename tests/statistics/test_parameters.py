"""normalise_parameters: defaults filled, equivalent requests made equal, mistakes named in Vietnamese."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from reports.statistics.engine import normalise_parameters
from tests.factories import TermFactory
from units.models import TermKind

pytestmark = pytest.mark.django_db


def test_defaults_are_filled_and_unknown_keys_dropped(world):
    assert normalise_parameters(
        {"unit": str(world.province.pk), "start": "2016-01-01", "end": "2020-12-31", "page": "3"}
    ) == {  # fmt: skip
        "unit": world.province.pk,
        "start": "2016-01-01",
        "end": "2020-12-31",
        "structure": "period",
        "cutoff": "2020-12-31",
        "as_of": "2020-12-31",
        "compare": "2016-01-01",
    }


def test_a_term_and_its_dates_are_the_same_request(world):
    term = TermFactory(kind=TermKind.PLAN, name="2016–2020 (tham số)", start=datetime.date(2016, 1, 1),
                       end=datetime.date(2020, 12, 31))  # fmt: skip
    by_term = normalise_parameters({"unit": world.province, "term": term.pk})
    by_dates = normalise_parameters(
        {"unit": world.province.pk, "start": datetime.date(2016, 1, 1), "end": "2020-12-31"}
    )
    assert by_term == by_dates
    assert normalise_parameters({"unit": "", "term": str(term.pk)})["unit"] is None


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ({"start": "2016-13-01", "end": "2020-12-31"}, "start", "phải là ngày"),
        ({"start": "2020-01-01", "end": "2016-12-31"}, "end", "Ngày kết thúc kỳ"),
        ({"end": "2020-12-31"}, "start", "Chưa có"),
        ({"start": "2016-01-01", "end": "2020-12-31", "unit": 999999}, "unit", "Không có đơn vị"),
        ({"start": "2016-01-01", "end": "2020-12-31", "unit": "abc"}, "unit", "mã số"),
        ({"start": "2016-01-01", "end": "2020-12-31", "structure": "today"}, "structure", "cơ cấu"),
        ({"term": 999999}, "term", "nhiệm kỳ"),
        ({"start": "2016-01-01", "end": "2020-12-31", "compare": "2021-01-01"}, "compare", "Ngày so sánh"),
        ({"start": "1900-01-01", "end": "2020-12-31"}, "start", "ngoài khoảng"),
    ],
)
def test_mistakes_are_named_by_field_in_vietnamese(world, raw, field, words):
    with pytest.raises(ValidationError) as error:
        normalise_parameters(raw)
    assert words in " ".join(error.value.message_dict[field])
