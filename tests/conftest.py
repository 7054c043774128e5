"""Shared fixtures: a small province with a merger, and named personas inside and outside scopes.

The world:
    Tỉnh Thử (province)
    ├── Tỉnh ủy Thử                       (party committee, province level)
    ├── Huyện An (district, ends 30/6/2025)
    │   ├── Huyện ủy An                   (a scope here reaches all of Huyện An)
    │   ├── Phòng Nội vụ huyện An         (department, district level)
    │   └── Xã An Một (commune, ends 30/6/2025) ─ merged into ─▶ Xã Hợp Nhất
    │       └── Đảng ủy xã An Một
    ├── Huyện Bình (district, ends 30/6/2025)
    │   └── Xã Bình Một (commune, ends 30/6/2025)
    └── Xã Hợp Nhất (commune since 1/7/2025)
        └── Đảng ủy xã Hợp Nhất
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from accounts.models import Role
from tests.factories import UnitFactory, UserFactory
from units.models import LineageEvent, Unit, UnitKind, UnitLineage

END_OF_DISTRICTS = datetime.date(2025, 6, 30)
REORGANISED = datetime.date(2025, 7, 1)


@dataclass
class World:
    province: Unit
    provincial_committee: Unit
    district_a: Unit
    district_a_committee: Unit
    district_a_department: Unit
    commune_a1: Unit
    commune_a1_committee: Unit
    district_b: Unit
    commune_b1: Unit
    merged_commune: Unit
    merged_commune_committee: Unit


@pytest.fixture
def world(db) -> World:
    province = UnitFactory(kind=UnitKind.PROVINCE, name="Tỉnh Thử")
    district_a = UnitFactory(kind=UnitKind.DISTRICT, name="Huyện An", parent=province, valid_to=END_OF_DISTRICTS)
    commune_a1 = UnitFactory(kind=UnitKind.COMMUNE, name="Xã An Một", parent=district_a, valid_to=END_OF_DISTRICTS)
    district_b = UnitFactory(kind=UnitKind.DISTRICT, name="Huyện Bình", parent=province, valid_to=END_OF_DISTRICTS)
    merged = UnitFactory(kind=UnitKind.COMMUNE, name="Xã Hợp Nhất", parent=province, valid_from=REORGANISED)
    UnitLineage.objects.create(predecessor=commune_a1, successor=merged, event=LineageEvent.MERGE, date=REORGANISED)
    return World(
        province=province,
        provincial_committee=UnitFactory(
            kind=UnitKind.PARTY_COMMITTEE, name="Tỉnh ủy Thử", parent=province, abbreviation="TU"
        ),
        district_a=district_a,
        district_a_committee=UnitFactory(
            kind=UnitKind.PARTY_COMMITTEE,
            name="Huyện ủy An",
            parent=district_a,
            abbreviation="HU",
            valid_to=END_OF_DISTRICTS,
        ),
        district_a_department=UnitFactory(
            kind=UnitKind.BOARD, name="Phòng Nội vụ huyện An", parent=district_a, valid_to=END_OF_DISTRICTS
        ),
        commune_a1=commune_a1,
        commune_a1_committee=UnitFactory(
            kind=UnitKind.PARTY_COMMITTEE, name="Đảng ủy xã An Một", parent=commune_a1, valid_to=END_OF_DISTRICTS
        ),
        district_b=district_b,
        commune_b1=UnitFactory(kind=UnitKind.COMMUNE, name="Xã Bình Một", parent=district_b, valid_to=END_OF_DISTRICTS),
        merged_commune=merged,
        merged_commune_committee=UnitFactory(
            kind=UnitKind.PARTY_COMMITTEE, name="Đảng ủy xã Hợp Nhất", parent=merged, valid_from=REORGANISED
        ),
    )


# --- Personas: one per role, plus offices inside and outside a scope ---


@pytest.fixture
def admin_user(db):
    return UserFactory(username="quantri", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def board_officer(world):
    """Board staff with the whole province."""
    return UserFactory(username="bantochuc", role=Role.BOARD_STAFF, is_staff=True, scope=world.province)


@pytest.fixture
def leader(world):
    return UserFactory(username="lanhdao", role=Role.LEADER, scope=world.province)


@pytest.fixture
def office_a(world):
    """Office of Huyện ủy An: sees Huyện An and everything in it."""
    return UserFactory(username="vanphong_an", role=Role.UNIT_OFFICE, scope=world.district_a_committee)


@pytest.fixture
def office_b(world):
    """Office of Huyện Bình: must see nothing of Huyện An."""
    return UserFactory(username="vanphong_binh", role=Role.UNIT_OFFICE, scope=world.district_b)


@pytest.fixture
def office_merged(world):
    """Office of the commune formed by merger in 2025: sees its predecessors' records."""
    return UserFactory(username="vanphong_hopnhat", role=Role.UNIT_OFFICE, scope=world.merged_commune_committee)


@pytest.fixture
def restore_catalogues(django_db_blocker):
    """For transactional tests: the terms, rule sets and position titles the migrations create, put back after
    the flush that ends the test. Request it before transactional_db, so that it is torn down after the flush."""
    yield
    from tests.imports.conftest import ensure_catalogues

    with django_db_blocker.unblock():
        ensure_catalogues()
