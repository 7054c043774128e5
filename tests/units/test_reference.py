"""Reference data from vietnam-provinces: units before and since 1/7/2025 and the lineage between them.

Most tests load one or two provinces (Lạng Sơn 20 takes well under a second). The national load
is one test, marked slow, that makes every national assertion on a single load.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import sys
import time
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from vietnam_provinces import _ward_conversion_2025 as commune_table

from units import reference
from units.models import LineageEvent, Unit, UnitKind, UnitLineage
from units.reference import (
    COMMUNE_LEGAL_BASIS,
    PROVINCE_LEGAL_BASIS,
    LoadResult,
    ReferenceDataError,
    load_reference_data,
)

pytestmark = pytest.mark.django_db

LAST_LEGACY_DAY = datetime.date(2025, 6, 30)
REORGANISED = datetime.date(2025, 7, 1)
LANG_SON = 20
UnitEvent = apps.get_model("units", "UnitEvent")
UnitLineageEvent = apps.get_model("units", "UnitLineageEvent")


def territories():
    return Unit.objects.filter(kind__in=[UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE])


def unit(kind: str, scheme: str, code: int | str) -> Unit:
    return Unit.objects.get(kind=kind, scheme=scheme, official_code=str(code))


def lineage_between(old: Unit, new: Unit) -> UnitLineage:
    return UnitLineage.objects.get(predecessor=old, successor=new)


@pytest.fixture
def lang_son(db) -> LoadResult:
    return load_reference_data(province_codes={LANG_SON})


# --- One province: Lạng Sơn came through 2025 unchanged ---


def test_lang_son_is_one_province_row_spanning_both_periods(lang_son):
    assert lang_son.created == {"province": 1, "district": 11, "commune": 194 + 65}
    province = unit(UnitKind.PROVINCE, "legacy+2025", LANG_SON)
    assert (province.name, province.valid_from, province.valid_to) == ("Tỉnh Lạng Sơn", None, None)
    assert province.level == "province"
    assert province.path == f"/{province.pk}/"

    districts = territories().filter(kind=UnitKind.DISTRICT)
    assert districts.count() == 11
    assert set(districts.values_list("parent", "scheme", "valid_from", "valid_to")) == {
        (province.pk, "legacy", None, LAST_LEGACY_DAY)
    }
    # Before 1/7/2025 the communes hang under the districts; since then, directly under the province.
    communes = territories().filter(kind=UnitKind.COMMUNE)
    old_communes = communes.valid_on(LAST_LEGACY_DAY)
    assert old_communes.filter(parent__kind=UnitKind.DISTRICT, scheme="legacy").count() == 194
    assert communes.valid_on(REORGANISED).filter(parent=province, scheme="2025").count() == 65
    assert not territories().valid_on(REORGANISED).filter(kind=UnitKind.DISTRICT).exists()
    assert Unit.objects.under(province).count() == 1 + 11 + 194 + 65


def test_every_loaded_unit_has_its_path_and_search_keys(lang_son):
    that_khe = unit(UnitKind.COMMUNE, "legacy", 6040)
    assert that_khe.path == f"{that_khe.parent.parent.path}{that_khe.parent_id}/{that_khe.pk}/"
    assert (that_khe.name_key, that_khe.level) == ("thi tran that khe", "commune")
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM units_unit u LEFT JOIN units_unit p ON p.id = u.parent_id
               WHERE u.path <> coalesce(p.path, '/') || u.id || '/'"""
        )
        assert cursor.fetchone()[0] == 0


def test_four_communes_of_lang_son_were_called_chi_lang_before_2025(lang_son):
    before_2025 = territories().valid_on(LAST_LEGACY_DAY)
    chi_lang = before_2025.filter(kind=UnitKind.COMMUNE, name__endswith=" Chi Lăng")
    assert sorted(c.qualified_name() for c in chi_lang) == [
        "Phường Chi Lăng (Thành phố Lạng Sơn)",
        "Thị trấn Chi Lăng (Huyện Chi Lăng)",
        "Xã Chi Lăng (Huyện Chi Lăng)",
        "Xã Chi Lăng (Huyện Tràng Định)",
    ]
    # With Huyện Chi Lăng itself, five units of the province carried the name.
    assert before_2025.filter(name__endswith=" Chi Lăng").count() == 5


def test_thi_tran_that_khe_merged_into_xa_that_khe_under_the_same_code(lang_son):
    old = unit(UnitKind.COMMUNE, "legacy", 6040)
    new = unit(UnitKind.COMMUNE, "2025", 6040)
    assert (old.name, old.parent.name) == ("Thị trấn Thất Khê", "Huyện Tràng Định")
    assert old.valid_to == LAST_LEGACY_DAY
    assert (new.name, new.parent.name, new.valid_from) == ("Xã Thất Khê", "Tỉnh Lạng Sơn", REORGANISED)
    # Xã Chí Minh and Xã Chi Lăng (Tràng Định) were merged in with it, so the event is a merger.
    predecessors = new.predecessor_links.values_list("predecessor__official_code", flat=True)
    assert set(predecessors) == {"6013", "6034", "6040"}
    link = lineage_between(old, new)
    assert (link.event, link.date, link.legal_basis, link.is_default) == (
        LineageEvent.MERGE,
        REORGANISED,
        COMMUNE_LEGAL_BASIS,
        True,
    )


def test_commune_lineage_follows_the_official_conversion_table(lang_son):
    entries = commune_table.OLD_TO_NEW.values()
    olds_per_new = Counter(int(ref.code) for entry in entries for ref in entry.new_wards)
    expected = {}
    for old, entry in commune_table.OLD_TO_NEW.items():
        if entry.old_ward.province_code != LANG_SON:
            continue
        for position, ref in enumerate(entry.new_wards):
            if entry.old_ward.is_partly_merged:
                event = LineageEvent.SPLIT
            elif olds_per_new[int(ref.code)] > 1:
                event = LineageEvent.MERGE
            else:
                event = LineageEvent.RENAME
            expected[(str(old), str(int(ref.code)))] = (event, position == 0)
    actual = {
        (link.predecessor.official_code, link.successor.official_code): (link.event, link.is_default)
        for link in UnitLineage.objects.select_related("predecessor", "successor")
    }
    assert actual == expected
    assert lang_son.lineage_created == len(expected)
    # Districts get no lineage: they were abolished, and their communes carry it.
    assert not UnitLineage.objects.filter(predecessor__kind=UnitKind.DISTRICT).exists()


def test_a_second_run_creates_and_updates_nothing(lang_son):
    audit_rows = UnitEvent.objects.count(), UnitLineageEvent.objects.count()
    again = load_reference_data(province_codes={LANG_SON})
    assert (again.units_created, again.lineage_created) == (0, 0)
    assert again.unchanged == lang_son.created
    assert again.lineage_unchanged == lang_son.lineage_created
    assert (UnitEvent.objects.count(), UnitLineageEvent.objects.count()) == audit_rows


def test_the_load_is_audited_with_its_reason(lang_son):
    event = UnitEvent.objects.select_related("pgh_context").filter(pgh_obj__official_code="6040").first()
    assert event.pgh_label == "insert"
    reason = "Nạp dữ liệu đơn vị hành chính từ gói vietnam-provinces 2026.9.0"
    assert event.pgh_context.metadata["reason"] == reason
    # Ids are reserved before the insert, so no unit needs a second (update) audit row for its path.
    assert not UnitEvent.objects.exclude(pgh_label="insert").exists()


# --- Merged provinces and reused codes ---


def test_code_24_was_bac_giang_until_2025_and_is_bac_ninh_since(db):
    load_reference_data(province_codes={24, 27})
    provinces = territories().filter(kind=UnitKind.PROVINCE, official_code="24")
    assert provinces.count() == 2
    assert provinces.valid_on(LAST_LEGACY_DAY).get().name == "Tỉnh Bắc Giang"
    assert provinces.valid_on(REORGANISED).get().name == "Thành phố Bắc Ninh"

    new = unit(UnitKind.PROVINCE, "2025", 24)
    for old_code in (24, 27):
        link = lineage_between(unit(UnitKind.PROVINCE, "legacy", old_code), new)
        assert (link.event, link.date, link.legal_basis, link.is_default) == (
            LineageEvent.MERGE,
            REORGANISED,
            PROVINCE_LEGAL_BASIS,
            True,
        )


def test_a_province_loaded_later_gets_its_lineage_to_a_province_loaded_earlier(db):
    load_reference_data(province_codes={24})  # old Bắc Giang and the new Bắc Ninh
    assert UnitLineage.objects.filter(predecessor__kind=UnitKind.PROVINCE).count() == 1
    result = load_reference_data(province_codes={27})  # old Bắc Ninh
    assert result.created["province"] == 1
    link = UnitLineage.objects.get(predecessor=unit(UnitKind.PROVINCE, "legacy", 27))
    assert link.successor == unit(UnitKind.PROVINCE, "2025", 24)


# --- Broken packages and conflicting databases leave everything as it was ---


def broken_package(monkeypatch, **changes):
    """Make the loader read the real package with some records replaced."""
    real = reference._read_package()
    monkeypatch.setattr(reference, "_read_package", lambda: dataclasses.replace(real, **changes))
    return real


def test_a_commune_of_a_missing_district_is_refused_and_nothing_is_written(lang_son, monkeypatch):
    real = reference._read_package()
    broken = [dataclasses.replace(c, parent_code=999) if c.code == 6040 else c for c in real.legacy_communes]
    broken_package(monkeypatch, legacy_communes=broken)
    before = Unit.objects.count(), UnitEvent.objects.count()
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(province_codes={LANG_SON, 24})
    assert str(caught.value) == (
        "Dữ liệu gói vietnam-provinces không hợp lệ: xã mã 6040 thuộc huyện mã 999 không tồn tại."
    )
    assert (Unit.objects.count(), UnitEvent.objects.count()) == before


def test_a_record_without_a_name_is_refused(db, monkeypatch):
    real = reference._read_package()
    broken = [dataclasses.replace(c, name=None) if c.code == 6040 else c for c in real.communes]
    broken_package(monkeypatch, communes=broken)
    with pytest.raises(
        ReferenceDataError,
        match=r"^Dữ liệu gói vietnam-provinces không hợp lệ: xã mã 6040 "
        r"\(từ 1/7/2025\) thiếu tên\.$",
    ):
        load_reference_data(province_codes={LANG_SON})
    assert not Unit.objects.exists()


def test_a_known_code_with_another_name_is_refused(lang_son):
    Unit.objects.filter(pk=unit(UnitKind.COMMUNE, "2025", 6040).pk).update(name="Xã Thất Khê Mới")
    count = Unit.objects.count()
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(province_codes={LANG_SON, 24})
    assert str(caught.value) == (
        "Không nạp được dữ liệu gói vietnam-provinces: xã mã 6040 (bộ mã 2025) trong cơ sở dữ liệu có tên "
        "«Xã Thất Khê Mới», trong gói là «Xã Thất Khê»."
    )
    assert Unit.objects.count() == count


def test_a_code_held_by_a_hand_entered_unit_at_the_same_time_is_refused(db):
    Unit.objects.create(kind=UnitKind.PROVINCE, name="Tỉnh Lạng Sơn (nhập tay)", official_code="20")
    with pytest.raises(ReferenceDataError, match="tỉnh mã 20 «Tỉnh Lạng Sơn» .* trùng mã với đơn vị «Tỉnh"):
        load_reference_data(province_codes={LANG_SON})
    assert Unit.objects.count() == 1


def test_a_failure_after_units_were_written_rolls_them_back(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise IntegrityError("lineage refused")

    monkeypatch.setattr(reference, "_write_lineage", refuse)
    with pytest.raises(ReferenceDataError, match="^Không nạp được dữ liệu gói vietnam-provinces, cơ sở"):
        load_reference_data(province_codes={LANG_SON})
    assert not Unit.objects.exists()
    assert not UnitEvent.objects.exists()


def test_a_missing_package_is_named(db, monkeypatch):
    monkeypatch.setitem(sys.modules, "vietnam_provinces._ward_conversion_2025", None)
    with pytest.raises(ReferenceDataError, match="^Chưa cài gói vietnam-provinces"):
        load_reference_data(province_codes={LANG_SON})


def test_an_unknown_province_code_is_refused(db):
    with pytest.raises(ReferenceDataError, match="^Gói vietnam-provinces không có tỉnh mã 99.$"):
        load_reference_data(province_codes={LANG_SON, 99})


# --- The command ---


def test_the_command_prints_a_vietnamese_summary(db):
    out = io.StringIO()
    call_command("load_reference_data", "--province", "20", stdout=out)
    summary = out.getvalue()
    assert "Dữ liệu đơn vị hành chính từ gói vietnam-provinces 2026.9.0 (tỉnh mã 20):" in summary
    assert "Tỉnh, thành phố trực thuộc Trung ương: tạo mới 1, đã có 0." in summary
    assert "Huyện, quận, thị xã, thành phố thuộc tỉnh: tạo mới 11, đã có 0." in summary
    assert "Xã, phường, thị trấn, đặc khu: tạo mới 259, đã có 0." in summary
    assert "Quan hệ kế thừa: tạo mới 196, đã có 0." in summary


def test_the_command_turns_a_loader_error_into_a_command_error(db):
    with pytest.raises(CommandError, match="không có tỉnh mã 99"):
        call_command("load_reference_data", "--province", "99", stdout=io.StringIO())


# --- The whole country, loaded once ---


class _Probe(Exception):
    pass


def database_accepts_same_named_coded_communes() -> bool:
    """Whether two coded communes may share a name under one parent at the same time.

    The package needs it: Thành phố Thanh Hóa had two communes named Xã Đông Khê (16387, 16408),
    and 22 more district pairs and 8 province pairs since 2025 differ only by accents (Phường Sa Pa,
    Phường Sa Pả), which the accent-free `unit_no_overlapping_self` constraint treats as equal.
    """
    try:
        with transaction.atomic():
            parent = Unit.objects.create(kind=UnitKind.DISTRICT, name="Thành phố Thử")
            for code in ("99990001", "99990002"):
                Unit.objects.create(
                    kind=UnitKind.COMMUNE,
                    parent=parent,
                    name="Xã Đông Khê",
                    official_code=code,
                    scheme="legacy",
                    valid_to=LAST_LEGACY_DAY,
                )
            raise _Probe
    except IntegrityError:
        return False
    except _Probe:
        return True


def test_coded_units_may_share_a_name_under_one_parent(db):
    assert database_accepts_same_named_coded_communes()


@pytest.mark.slow
def test_the_national_load(db):
    started = time.monotonic()
    result = load_reference_data()
    elapsed = time.monotonic() - started

    # 63 old + 34 new provinces, of which 10 came through unchanged and are one row each.
    assert result.created == {"province": 87, "district": 696, "commune": 10_051 + 3_321}
    on_old_day, on_new_day = territories().valid_on(LAST_LEGACY_DAY), territories().valid_on(REORGANISED)
    today = territories().valid_on(timezone.localdate())
    kinds_on_old_day = Counter(on_old_day.values_list("kind", flat=True))
    assert kinds_on_old_day == {"province": 63, "district": 696, "commune": 10_051}
    for day in (on_new_day, today):
        assert Counter(day.values_list("kind", flat=True)) == {"province": 34, "commune": 3_321}
    # The Unit has no division type: the name carries it.
    old_communes = on_old_day.filter(kind=UnitKind.COMMUNE)
    assert old_communes.filter(name__startswith="Xã ").count() == 7_717
    assert old_communes.filter(name__startswith="Phường ").count() == 1_716
    assert old_communes.filter(name__startswith="Thị trấn ").count() == 618

    # Code 15 was reused: Yên Bái until 30/6/2025, Lào Cai (Lào Cai 10 + Yên Bái 15) since.
    fifteen = territories().filter(kind=UnitKind.PROVINCE, official_code="15")
    assert fifteen.count() == 2
    assert fifteen.valid_on(LAST_LEGACY_DAY).get().name == "Tỉnh Yên Bái"
    assert fifteen.valid_on(REORGANISED).get().name == "Tỉnh Lào Cai"
    new_lao_cai = unit(UnitKind.PROVINCE, "2025", 15)
    assert set(new_lao_cai.predecessor_links.values_list("predecessor__name", "event")) == {
        ("Tỉnh Lào Cai", LineageEvent.MERGE),
        ("Tỉnh Yên Bái", LineageEvent.MERGE),
    }

    # 53 provinces ended (63 - 10 unchanged), each with one successor; 10,565 commune pairs in
    # the table, of which 11 name an old commune the legacy list does not have.
    assert UnitLineage.objects.filter(predecessor__kind=UnitKind.PROVINCE).count() == 53
    assert UnitLineage.objects.filter(predecessor__kind=UnitKind.COMMUNE).count() == 10_554
    assert len(result.missing_references) == 12
    # Quảng Ninh kept its code and name but became a "Thành phố": an upgrade, not a merger.
    quang_ninh = lineage_between(unit(UnitKind.PROVINCE, "legacy", 22), unit(UnitKind.PROVINCE, "2025", 22))
    assert quang_ninh.event == LineageEvent.UPGRADE

    audit_rows = UnitEvent.objects.count()
    again = load_reference_data()
    assert (again.units_created, again.lineage_created) == (0, 0)
    assert UnitEvent.objects.count() == audit_rows
    print(f"national load: {elapsed:.1f} s")  # shown with -s; the brief asks for well under a minute
