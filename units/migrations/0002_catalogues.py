"""Catalogues every installation needs: congress terms, plan periods and position titles.

get_or_create keeps the migration safe to run on a database where an administrator already
entered some of these rows; existing rows are left as they are. The reverse is a no-op, since
postings may already point at the titles.
"""

import datetime
import unicodedata

import pghistory
from django.db import migrations


def _name_key(value: str) -> str:
    # A frozen copy of rotation_registry.common.vietnamese.search_key: a migration must not change
    # behaviour when application code does later. Lower case, no accents, đ -> d.
    decomposed = unicodedata.normalize("NFD", " ".join(value.split()).lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").replace("đ", "d")


def _d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


# Names use an en dash, as printed in Party documents ("nhiệm kỳ 2020–2025").
CONGRESS_TERMS = [
    ("2005–2010", _d(2005, 10, 1), _d(2010, 9, 30)),
    ("2010–2015", _d(2010, 10, 1), _d(2015, 9, 30)),
    ("2015–2020", _d(2015, 10, 1), _d(2020, 9, 30)),
    ("2020–2025", _d(2020, 10, 1), _d(2025, 9, 30)),
    ("2025–2030", _d(2025, 10, 1), _d(2030, 9, 30)),
]
PLAN_PERIODS = [
    ("2016–2020", _d(2016, 1, 1), _d(2020, 12, 31)),
    ("2017–2021", _d(2017, 1, 1), _d(2021, 12, 31)),
    ("2021–2025", _d(2021, 1, 1), _d(2025, 12, 31)),
    ("2026–2030", _d(2026, 1, 1), _d(2030, 12, 31)),
]

# (name, is_key, is_head, rank, requires_non_local)
POSITION_TITLES = [
    ("Bí thư", True, True, 90, True),
    ("Phó Bí thư thường trực", True, False, 85, False),
    ("Phó Bí thư", True, False, 80, False),
    ("Chủ tịch HĐND", True, True, 80, False),
    ("Chủ tịch UBND", True, True, 80, True),
    ("Phó Chủ tịch HĐND", True, False, 70, False),
    ("Phó Chủ tịch UBND", True, False, 70, False),
    ("Chủ tịch UBMTTQ", True, True, 65, False),
    ("Trưởng ban", False, True, 60, False),
    ("Phó Trưởng ban thường trực", False, False, 55, False),
    ("Phó Trưởng ban", False, False, 50, False),
    ("Chánh Văn phòng", False, True, 60, False),
    ("Phó Chánh Văn phòng", False, False, 50, False),
    ("Giám đốc sở", False, True, 60, False),
    ("Phó Giám đốc sở", False, False, 50, False),
    ("Chánh án", False, True, 60, True),
    ("Viện trưởng VKSND", False, True, 60, True),
    ("Chánh Thanh tra", False, True, 60, True),
    ("Trưởng Công an", False, True, 60, True),
    ("Trưởng phòng", False, True, 40, False),
    ("Phó Trưởng phòng", False, False, 30, False),
    ("Bí thư Đoàn", False, True, 40, False),
    ("Chủ tịch Hội", False, True, 40, False),
    ("Chuyên viên", False, False, 10, False),
    ("Công chức", False, False, 5, False),
]


REASON = "Danh mục ban đầu: nhiệm kỳ, giai đoạn và chức danh (migration units 0002)"


def create_catalogues(apps, schema_editor):
    Term = apps.get_model("units", "Term")
    PositionTitle = apps.get_model("units", "PositionTitle")
    # The audit triggers record these inserts; the context says why they happened.
    with pghistory.context(reason=REASON):
        for kind, rows in (("congress", CONGRESS_TERMS), ("plan", PLAN_PERIODS)):
            for name, start, end in rows:
                Term.objects.get_or_create(kind=kind, name=name, defaults={"start": start, "end": end})
        for name, is_key, is_head, rank, requires_non_local in POSITION_TITLES:
            # Historical models do not run PositionTitle.save(), so name_key is set here.
            PositionTitle.objects.get_or_create(
                name=name,
                defaults={
                    "is_key": is_key,
                    "is_head": is_head,
                    "rank": rank,
                    "requires_non_local": requires_non_local,
                    "name_key": _name_key(name),
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_catalogues, migrations.RunPython.noop),
    ]
