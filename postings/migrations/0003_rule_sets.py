"""The three rule sets a posting is checked against, by decision date (design §4, domain §1.6).

Thresholds live here as data, not in postings/rules.py, so a province can change them or add
its own settings. docs/rules.md explains every value and its source. The data is written out in
full (not imported from the app) so that this migration means the same thing forever.
"""

import datetime

from django.db import migrations

E, W, OFF = "E", "W", "off"

ROTATION_ONLY = ["luan_chuyen"]

# Data integrity: an error under every rule set.
INTEGRITY_RULES = ["R-DATES", "R-UNIT-EXISTS", "R-DIRECTION", "R-OVERLAP", "R-DOCNUMBER"]

POLICY_PARAMS = {
    "R-DURATION": {"min_months": 36, "kinds": ROTATION_ONLY},
    "R-REMAINING": {
        "min_years": 10,
        "reduced_years": 5,
        "reduced_for_purposes": ["khong_dia_phuong", "qua_hai_nhiem_ky"],
        "kinds": ROTATION_ONLY,
    },
    "R-PLANNING": {"purposes": ["dao_tao"], "kinds": ROTATION_ONLY},
    "R-EQUIVALENT": {"kinds": ROTATION_ONLY},
    "R-QUOTA": {},
    # Level of the destination -> first decision date from which the rule applies there (None: always).
    # Commune secretaries joined the non-local policy with the two-level local government of 1/7/2025.
    "R-NONLOCAL": {"levels_from": {"province": None, "district": None, "commune": "2025-07-01"}},
    "R-TWO-TERMS": {"max_terms": 2},
}

NEEDS_DECISION_REFERENCE = {"R-EQUIVALENT", "R-NONLOCAL", "R-TWO-TERMS"}
# Extra posts are decided by the Politburo (QĐ 65 Điều 2), so a quota override cites that decision.
QD65_NEEDS_DECISION_REFERENCE = NEEDS_DECISION_REFERENCE | {"R-QUOTA"}

RULE_SETS = [
    {
        "code": "NQ11_KL24",
        "name": "Nghị quyết 11-NQ/TW và Kết luận 24-KL/TW",
        "legal_basis": "Nghị quyết 11-NQ/TW ngày 25/01/2002 của Bộ Chính trị (khóa IX); "
        "Kết luận 24-KL/TW ngày 05/6/2012 của Bộ Chính trị",
        "valid_from": None,
        "valid_to": datetime.date(2017, 10, 6),
        # Numeric limits of these texts are unverified: warnings only, and the rules built on
        # numbers or tables that belong to QĐ 98/QĐ 65 are off.
        "kinds": {
            "R-DURATION": W,
            "R-REMAINING": OFF,
            "R-PLANNING": W,
            "R-EQUIVALENT": OFF,
            "R-QUOTA": OFF,
            "R-NONLOCAL": W,
            "R-TWO-TERMS": W,
        },  # fmt: skip
        "decision_reference": set(),
    },
    {
        "code": "QD98",
        "name": "Quy định 98-QĐ/TW",
        "legal_basis": "Quy định 98-QĐ/TW ngày 07/10/2017 của Bộ Chính trị về luân chuyển cán bộ",
        "valid_from": datetime.date(2017, 10, 7),
        "valid_to": datetime.date(2022, 4, 27),
        # "Không tăng thêm chức danh" came with QĐ 65 (domain notes §1.3), so R-QUOTA is off before it.
        "kinds": {code: OFF if code == "R-QUOTA" else W for code in POLICY_PARAMS},
        "decision_reference": NEEDS_DECISION_REFERENCE,
    },
    {
        "code": "QD65",
        "name": "Quy định 65-QĐ/TW",
        "legal_basis": "Quy định 65-QĐ/TW ngày 28/4/2022 của Bộ Chính trị về luân chuyển cán bộ",
        "valid_from": datetime.date(2022, 4, 28),
        "valid_to": None,
        "kinds": {code: W for code in POLICY_PARAMS},
        "decision_reference": QD65_NEEDS_DECISION_REFERENCE,
    },
]


def add_rule_sets(apps, schema_editor):
    RuleSet = apps.get_model("postings", "RuleSet")
    RuleSetting = apps.get_model("postings", "RuleSetting")
    for spec in RULE_SETS:
        rule_set, _ = RuleSet.objects.update_or_create(
            code=spec["code"],
            defaults={key: spec[key] for key in ("name", "legal_basis", "valid_from", "valid_to")},
        )
        for code in INTEGRITY_RULES:
            RuleSetting.objects.update_or_create(
                rule_set=rule_set, rule_code=code,
                defaults={"kind": E, "params": {}, "requires_decision_reference": False},
            )  # fmt: skip
        for code, params in POLICY_PARAMS.items():
            RuleSetting.objects.update_or_create(
                rule_set=rule_set, rule_code=code,
                defaults={"kind": spec["kinds"][code], "params": params,
                          "requires_decision_reference": code in spec["decision_reference"]},
            )  # fmt: skip


def remove_rule_sets(apps, schema_editor):
    RuleSet = apps.get_model("postings", "RuleSet")
    RuleSet.objects.filter(code__in=[spec["code"] for spec in RULE_SETS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("postings", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(add_rule_sets, remove_rule_sets),
    ]
