"""The catalogue migration: congress terms, plan periods and position titles every database starts with."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps

from rotation_registry.common.vietnamese import search_key
from units.models import PositionTitle, Term, TermKind

pytestmark = pytest.mark.django_db

D = datetime.date
catalogues = importlib.import_module("units.migrations.0002_catalogues")


def test_the_congress_terms_and_plan_periods_exist():
    terms = {(t.kind, t.name): (t.start, t.end) for t in Term.objects.all()}
    assert terms[(TermKind.CONGRESS, "2005–2010")] == (D(2005, 10, 1), D(2010, 9, 30))
    assert terms[(TermKind.CONGRESS, "2020–2025")] == (D(2020, 10, 1), D(2025, 9, 30))
    assert terms[(TermKind.CONGRESS, "2025–2030")] == (D(2025, 10, 1), D(2030, 9, 30))
    assert terms[(TermKind.PLAN, "2017–2021")] == (D(2017, 1, 1), D(2021, 12, 31))
    assert terms[(TermKind.PLAN, "2026–2030")] == (D(2026, 1, 1), D(2030, 12, 31))
    assert Term.objects.filter(kind=TermKind.CONGRESS).count() == 5
    assert Term.objects.filter(kind=TermKind.PLAN).count() == 4
    # The day the districts ended falls in the 2020–2025 congress term.
    assert Term.congress_term_on(D(2025, 7, 1)).name == "2020–2025"


def test_the_position_titles_exist_with_their_flags():
    assert PositionTitle.objects.count() == 25
    titles = {t.name: t for t in PositionTitle.objects.all()}

    def flags(name):
        title = titles[name]
        return title.is_key, title.is_head, title.rank, title.requires_non_local

    assert flags("Bí thư") == (True, True, 90, True)
    assert flags("Chủ tịch UBND") == (True, True, 80, True)
    assert flags("Chủ tịch HĐND") == (True, True, 80, False)
    assert flags("Trưởng phòng") == (False, True, 40, False)
    standing = titles["Phó Bí thư thường trực"]
    assert (standing.is_key, standing.is_head, standing.rank) == (True, False, 85)
    assert {name for name, t in titles.items() if t.requires_non_local} == {
        "Bí thư",
        "Chủ tịch UBND",
        "Chánh án",
        "Viện trưởng VKSND",
        "Chánh Thanh tra",
        "Trưởng Công an",
    }
    assert titles["Công chức"].rank == 5


def test_the_migration_sets_the_search_key_the_model_would():
    for title in PositionTitle.objects.all():
        assert title.name_key == search_key(title.name)
    assert PositionTitle.objects.get(name="Bí thư Đoàn").name_key == "bi thu doan"


def test_running_the_catalogue_migration_again_changes_nothing():
    before = list(Term.objects.values_list("kind", "name", "start", "end")), PositionTitle.objects.count()
    catalogues.create_catalogues(apps, schema_editor=None)
    after = list(Term.objects.values_list("kind", "name", "start", "end")), PositionTitle.objects.count()
    assert after == before
