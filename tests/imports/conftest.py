"""Fixtures for the import tests: the shared world plus catalogues, a second 'Xã Chi Lăng' and a cadre."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps as django_apps

from cadres.models import PlanningRecord
from tests.conftest import END_OF_DISTRICTS
from tests.factories import CadreFactory, UnitFactory
from tests.postings import ensure_congress_terms, ensure_rule_sets
from units.models import PositionTitle, Term, UnitKind


def ensure_catalogues() -> None:
    """Terms, rule sets and position titles as the migrations create them (a transactional test may flush them)."""
    ensure_congress_terms()
    ensure_rule_sets()
    migration = importlib.import_module("units.migrations.0002_catalogues")
    migration.create_catalogues(django_apps, None)


@pytest.fixture
def catalogues(db):
    ensure_catalogues()
    return {title.name: title for title in PositionTitle.objects.all()}


@pytest.fixture
def place(world, catalogues):
    """The world, with a 'Xã Chi Lăng' in each district (names repeat, as in Lạng Sơn) and their bodies."""
    world.chi_lang_a = UnitFactory(
        kind=UnitKind.COMMUNE, name="Xã Chi Lăng", parent=world.district_a, valid_to=END_OF_DISTRICTS
    )
    world.chi_lang_b = UnitFactory(
        kind=UnitKind.COMMUNE, name="Xã Chi Lăng", parent=world.district_b, valid_to=END_OF_DISTRICTS
    )
    return world


@pytest.fixture
def cadre_in_pool(place):
    """A cadre in the planning pool (so a training rotation raises no R-PLANNING warning)."""
    cadre = CadreFactory(
        full_name="Nông Minh Cường",
        date_of_birth=datetime.date(1978, 4, 12),
        personal_id="LS-00001",
        ethnicity="Nùng",
        unit=place.provincial_committee,
    )
    PlanningRecord.objects.create(
        cadre=cadre,
        target_title=PositionTitle.objects.get(name="Bí thư"),
        term=Term.congress_term_on(datetime.date(2016, 1, 1)),
        valid_from=datetime.date(2010, 1, 1),
    )
    return cadre
