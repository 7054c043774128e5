"""Writes for cadres: one transaction each, audited, refusing to overwrite someone else's change."""

from __future__ import annotations

from django.db import transaction

from cadres.models import Cadre
from rotation_registry.common.audit import audit_context
from rotation_registry.common.concurrency import lock_if_unchanged
from rotation_registry.common.signals import registry_changed
from rotation_registry.common.validation import full_clean_in_vietnamese, save_or_explain

CADRE_FIELDS = [
    "full_name",
    "other_names",
    "date_of_birth",
    "sex",
    "ethnicity",
    "religion",
    "birthplace",
    "birthplace_unit",
    "home_town",
    "home_town_unit",
    "professional_level",
    "professional_field",
    "political_theory",
    "state_management",
    "party_entry_date",
    "management_category",
    "personal_id",
    "unit",
]


@transaction.atomic
def cadre_create(*, actor, data: dict, reason: str = "") -> Cadre:
    with audit_context(actor=actor, reason=reason or "Thêm cán bộ"):
        cadre = Cadre(**{name: data[name] for name in CADRE_FIELDS if name in data})
        full_clean_in_vietnamese(cadre)
        save_or_explain(cadre)
        registry_changed.send(sender=Cadre)
        return cadre


@transaction.atomic
def cadre_update(*, actor, cadre: Cadre, version: str, data: dict, reason: str = "") -> Cadre:
    """Change a cadre, unless someone else changed it since `version` was read."""
    with audit_context(actor=actor, reason=reason or "Sửa thông tin cán bộ"):
        cadre = lock_if_unchanged(cadre, version)
        for name in CADRE_FIELDS:
            if name in data:
                setattr(cadre, name, data[name])
        full_clean_in_vietnamese(cadre)
        save_or_explain(cadre)
        registry_changed.send(sender=Cadre)
        return cadre
