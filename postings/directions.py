"""Directions of a move (hướng luân chuyển), derived from the units' levels (design §5).

The set is versioned by date: from 1/7/2025 no direction can involve a district.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from units.models import REORGANISATION_DATE, Level, Unit, UnitKind


class Direction(models.TextChoices):
    # Decided at province level (Biểu 11-BTCTW columns 3–8).
    CENTRAL_TO_PROVINCE = "tw_tinh", _("Trung ương về tỉnh")
    PROVINCE_TO_DISTRICT = "tinh_huyen", _("Tỉnh về huyện")
    DISTRICT_TO_PROVINCE = "huyen_tinh", _("Huyện về tỉnh")
    DISTRICT_TO_DISTRICT = "huyen_huyen", _("Huyện này sang huyện khác")
    SECTOR_TO_SECTOR = "nganh_nganh", _("Ngành này sang ngành khác")
    PROVINCE_TO_COMMUNE = "tinh_xa", _("Tỉnh về xã")
    # Decided at district level (columns 9–12).
    DISTRICT_TO_COMMUNE = "huyen_xa", _("Huyện về xã")
    COMMUNE_TO_DISTRICT = "xa_huyen", _("Xã về huyện")
    COMMUNE_TO_COMMUNE = "xa_xa", _("Xã này sang xã khác")
    DEPARTMENT_TO_DEPARTMENT = "phong_phong", _("Phòng, ban này sang phòng, ban khác")
    # Not columns of the 2021 form, but they happen (and, since 7/2025, replace district moves).
    PROVINCE_TO_CENTRAL = "tinh_tw", _("Tỉnh về Trung ương")
    COMMUNE_TO_PROVINCE = "xa_tinh", _("Xã về tỉnh")
    OTHER = "khac", _("Khác")


DISTRICT_DIRECTIONS = {
    Direction.PROVINCE_TO_DISTRICT,
    Direction.DISTRICT_TO_PROVINCE,
    Direction.DISTRICT_TO_DISTRICT,
    Direction.DISTRICT_TO_COMMUNE,
    Direction.COMMUNE_TO_DISTRICT,
    Direction.DEPARTMENT_TO_DEPARTMENT,
}

_BY_LEVELS = {
    (Level.CENTRAL, Level.PROVINCE): Direction.CENTRAL_TO_PROVINCE,
    (Level.PROVINCE, Level.CENTRAL): Direction.PROVINCE_TO_CENTRAL,
    (Level.PROVINCE, Level.DISTRICT): Direction.PROVINCE_TO_DISTRICT,
    (Level.DISTRICT, Level.PROVINCE): Direction.DISTRICT_TO_PROVINCE,
    (Level.PROVINCE, Level.PROVINCE): Direction.SECTOR_TO_SECTOR,
    (Level.PROVINCE, Level.COMMUNE): Direction.PROVINCE_TO_COMMUNE,
    (Level.COMMUNE, Level.PROVINCE): Direction.COMMUNE_TO_PROVINCE,
    (Level.DISTRICT, Level.COMMUNE): Direction.DISTRICT_TO_COMMUNE,
    (Level.COMMUNE, Level.DISTRICT): Direction.COMMUNE_TO_DISTRICT,
    (Level.COMMUNE, Level.COMMUNE): Direction.COMMUNE_TO_COMMUNE,
}


def territory_of(unit: Unit) -> Unit | None:
    """The nearest territory (province, district, commune) at or above a unit."""
    current: Unit | None = unit
    while current is not None and current.kind not in (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE):
        current = current.parent
    return current


def derive_direction(origin: Unit | None, destination: Unit | None) -> str:
    """The direction of a move between two units, from their levels."""
    if origin is None or destination is None:
        return Direction.OTHER
    if origin.level == Level.DISTRICT and destination.level == Level.DISTRICT:
        same_district = territory_of(origin) == territory_of(destination)
        return Direction.DEPARTMENT_TO_DEPARTMENT if same_district else Direction.DISTRICT_TO_DISTRICT
    return _BY_LEVELS.get((origin.level, destination.level), Direction.OTHER)


def directions_valid_on(day: datetime.date) -> list[str]:
    """The directions a decision of that day may carry."""
    if day >= REORGANISATION_DATE:
        return [d for d in Direction.values if d not in DISTRICT_DIRECTIONS]
    return list(Direction.values)
