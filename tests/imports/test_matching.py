"""The existing cadres an import reads to match its rows (imports/matching.py CadreIndex)."""

from __future__ import annotations

import datetime

from imports.matching import CadreIndex
from tests.factories import CadreFactory

AN_BORN = datetime.date(1975, 3, 4)
BINH_BORN = datetime.date(1980, 11, 20)


def test_only_cadres_with_a_rows_name_and_date_of_birth_together_are_read(db, django_assert_num_queries):
    an = CadreFactory(full_name="Nguyễn Văn An", date_of_birth=AN_BORN, personal_id="")
    binh = CadreFactory(full_name="Trần Thị Bình", date_of_birth=BINH_BORN, personal_id="")
    # Each name with the other's birthday: neither cadre is the row's, and neither is read.
    with django_assert_num_queries(1):
        crossed = CadreIndex(personal_ids=set(), names={("Nguyễn Văn An", BINH_BORN), ("Trần Thị Bình", AN_BORN)})
    assert crossed.by_name == {}

    # Typed without accents and with other spacing, a row's own pair finds its cadre.
    index = CadreIndex(personal_ids=set(), names={("nguyen  van an", AN_BORN), ("Trần Thị Bình", BINH_BORN)})
    assert index.by_name_and_birth("Nguyễn Văn An", AN_BORN) == [an]
    assert index.by_name_and_birth("Trần Thị Bình", BINH_BORN) == [binh]
