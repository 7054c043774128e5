"""Administrative units from the `vietnam-provinces` package: the structure before and since 1/7/2025.

The package ships three things this module turns into rows (see docs/reference-data.md):

* the structure before 1/7/2025 (`vietnam_provinces.legacy`: 63 provinces, 696 districts,
  10,051 communes), loaded with scheme "legacy" and valid until 30/6/2025;
* the structure since 1/7/2025 (34 provinces, 3,321 communes), scheme "2025", valid from 1/7/2025;
* the official conversion tables, loaded as UnitLineage rows (old → new).

A province that came through 1/7/2025 unchanged (same code, same name, no partner) is one row
spanning both periods, scheme "legacy+2025". Districts get no lineage: they were abolished, and
their communes carry the lineage.

Rows are found again by their natural key (kind, scheme, official code), and the name must match
too, because codes were reused (old 15 was Yên Bái, new 15 is Lào Cai). Existing rows are never
updated, so a second run writes nothing, and hand corrections (a known valid_from) survive.
"""

from __future__ import annotations

import datetime
import importlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction

from rotation_registry.common.audit import audit_context
from rotation_registry.common.vietnamese import normalize_text, search_key, word_sort_key
from units.models import (
    REORGANISATION_DATE,
    TERRITORY_KINDS,
    TERRITORY_LEVEL,
    LineageEvent,
    Unit,
    UnitKind,
    UnitLineage,
)

PACKAGE = "vietnam-provinces"
LAST_LEGACY_DAY = REORGANISATION_DATE - datetime.timedelta(days=1)

SCHEME_LEGACY = "legacy"
SCHEME_2025 = "2025"
SCHEME_SPANNING = "legacy+2025"
SCHEMES = (SCHEME_LEGACY, SCHEME_2025, SCHEME_SPANNING)

PROVINCE_LEGAL_BASIS = "Nghị quyết 202/2025/QH15"
COMMUNE_LEGAL_BASIS = "Nghị quyết của Ủy ban Thường vụ Quốc hội về sắp xếp đơn vị hành chính cấp xã năm 2025"

BATCH_SIZE = 2000

# How a record is named in messages: "xã mã 6040", "huyện mã 180".
KIND_WORD = {UnitKind.PROVINCE: "tỉnh", UnitKind.DISTRICT: "huyện", UnitKind.COMMUNE: "xã"}
PERIOD_WORD = {SCHEME_LEGACY: "trước 1/7/2025", SCHEME_2025: "từ 1/7/2025"}
_PROVINCE_PREFIX = re.compile(r"^(Tỉnh|Thành phố)\s+")

NaturalKey = tuple[str, str, str]  # (kind, scheme, official_code)
Pair = tuple[int, int]  # (old province code, new province code)


class ReferenceDataError(Exception):
    """The package is missing or malformed, or its data contradicts the database. Nothing was written."""


# --- What the package holds, reduced to what the registry stores ---


@dataclass(frozen=True)
class Division:
    """One record of the package. Fields may be None when the package record lacks them."""

    code: int | None
    name: str | None
    # Province code (districts, 2025 communes) or district code (legacy communes).
    parent_code: int | None = None


@dataclass(frozen=True)
class CommuneConversion:
    """One row of the official commune conversion table: an old commune and where it went."""

    old_code: int
    old_province_code: int | None
    new_codes: tuple[int, ...]
    is_partly_merged: bool


@dataclass(frozen=True)
class PackageData:
    version: str
    effective_date: str
    legacy_provinces: list[Division]
    legacy_districts: list[Division]
    legacy_communes: list[Division]
    provinces: list[Division]
    communes: list[Division]
    province_new_to_old: dict[int, tuple[int, ...]]
    province_old_to_new: dict[int, tuple[int, ...]]
    commune_conversions: list[CommuneConversion]


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _divisions(records: Iterable, parent_attr: str | None) -> list[Division]:
    return [
        Division(
            code=_int_or_none(getattr(record, "code", None)),
            name=getattr(record, "name", None),
            parent_code=_int_or_none(getattr(record, parent_attr, None)) if parent_attr else None,
        )
        for record in records
    ]


def _read_package() -> PackageData:
    """Read the package into plain records. Tests replace this function to feed broken data."""
    try:
        import vietnam_provinces
        from vietnam_provinces import legacy

        # The conversion tables are published as private modules; importing them by name keeps
        # a missing table a clear error instead of an AttributeError deep in the loader.
        province_table = importlib.import_module("vietnam_provinces._province_conversion_2025")
        commune_table = importlib.import_module("vietnam_provinces._ward_conversion_2025")
    except ImportError as exc:
        raise ReferenceDataError(
            f"Chưa cài gói {PACKAGE} (cần phiên bản 2026.9 trở lên) hoặc gói thiếu bảng chuyển đổi 2025: {exc}."
        ) from exc
    try:
        return PackageData(
            version=str(getattr(vietnam_provinces, "__version__", "?")),
            effective_date=str(province_table.EFFECTIVE_DATE),
            legacy_provinces=_divisions(legacy.Province.iter_all(), None),
            legacy_districts=_divisions(legacy.District.iter_all(), "province_code"),
            legacy_communes=_divisions(legacy.Ward.iter_all(), "district_code"),
            provinces=_divisions(vietnam_provinces.Province.iter_all(), None),
            communes=_divisions(vietnam_provinces.Ward.iter_all(), "province_code"),
            province_new_to_old={
                int(new): tuple(int(ref.code) for ref in entry.old_provinces)
                for new, entry in province_table.NEW_TO_OLD.items()
            },
            province_old_to_new={
                int(old): tuple(int(ref.code) for ref in entry.new_provinces)
                for old, entry in province_table.OLD_TO_NEW.items()
            },
            commune_conversions=[
                CommuneConversion(
                    old_code=int(old),
                    old_province_code=_int_or_none(entry.old_ward.province_code),
                    new_codes=tuple(int(ref.code) for ref in entry.new_wards),
                    is_partly_merged=bool(entry.old_ward.is_partly_merged),
                )
                for old, entry in commune_table.OLD_TO_NEW.items()
            ],
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise _invalid(f"không đọc được cấu trúc của gói ({exc})") from exc


# --- Checking the package before anything is written ---


def _invalid(message: str) -> ReferenceDataError:
    return ReferenceDataError(f"Dữ liệu gói {PACKAGE} không hợp lệ: {message}.")


def _index(records: list[Division], kind: str, scheme: str, parent_kind: str | None) -> dict[int, Division]:
    """Records by code, after checking each has a code, a name and (if it needs one) a parent."""
    label = f"{KIND_WORD[kind]} ({PERIOD_WORD[scheme]})"
    by_code: dict[int, Division] = {}
    for position, record in enumerate(records, start=1):
        if record.code is None:
            raise _invalid(f"{label} thứ {position} trong danh sách thiếu mã")
        if not normalize_text(record.name or ""):
            raise _invalid(f"{KIND_WORD[kind]} mã {record.code} ({PERIOD_WORD[scheme]}) thiếu tên")
        if parent_kind and record.parent_code is None:
            raise _invalid(
                f"{KIND_WORD[kind]} mã {record.code} ({PERIOD_WORD[scheme]}) thiếu mã {KIND_WORD[parent_kind]}"
            )
        if record.code in by_code:
            raise _invalid(f"{KIND_WORD[kind]} mã {record.code} ({PERIOD_WORD[scheme]}) xuất hiện hai lần")
        by_code[record.code] = record
    return by_code


def _check_parents(children: dict[int, Division], parents: dict[int, Division], kind: str, parent_kind: str) -> None:
    for record in children.values():
        if record.parent_code not in parents:
            raise _invalid(
                f"{KIND_WORD[kind]} mã {record.code} thuộc {KIND_WORD[parent_kind]} "
                f"mã {record.parent_code} không tồn tại"
            )


@dataclass
class _Package:
    """The package's records indexed by code, once they have passed the checks."""

    data: PackageData
    legacy_provinces: dict[int, Division]
    legacy_districts: dict[int, Division]
    legacy_communes: dict[int, Division]
    provinces: dict[int, Division]
    communes: dict[int, Division]

    def legacy_commune_province(self, code: int) -> int:
        return self.legacy_districts[self.legacy_communes[code].parent_code].parent_code


def _check_package(data: PackageData) -> _Package:
    if data.effective_date != REORGANISATION_DATE.isoformat():
        raise _invalid(f"bảng chuyển đổi có ngày hiệu lực {data.effective_date}, không phải 2025-07-01")
    package = _Package(
        data=data,
        legacy_provinces=_index(data.legacy_provinces, UnitKind.PROVINCE, SCHEME_LEGACY, None),
        legacy_districts=_index(data.legacy_districts, UnitKind.DISTRICT, SCHEME_LEGACY, UnitKind.PROVINCE),
        legacy_communes=_index(data.legacy_communes, UnitKind.COMMUNE, SCHEME_LEGACY, UnitKind.DISTRICT),
        provinces=_index(data.provinces, UnitKind.PROVINCE, SCHEME_2025, None),
        communes=_index(data.communes, UnitKind.COMMUNE, SCHEME_2025, UnitKind.PROVINCE),
    )
    _check_parents(package.legacy_districts, package.legacy_provinces, UnitKind.DISTRICT, UnitKind.PROVINCE)
    _check_parents(package.legacy_communes, package.legacy_districts, UnitKind.COMMUNE, UnitKind.DISTRICT)
    _check_parents(package.communes, package.provinces, UnitKind.COMMUNE, UnitKind.PROVINCE)
    # The province table is small and every row of it matters, so a dangling code is an error.
    # (Gaps in the commune table are known and only skipped: see _commune_lineage.)
    for new, olds in data.province_new_to_old.items():
        if new not in package.provinces:
            raise _invalid(f"bảng chuyển đổi cấp tỉnh nhắc tới tỉnh mới mã {new} không tồn tại")
        for old in olds:
            if old not in package.legacy_provinces:
                raise _invalid(f"bảng chuyển đổi cấp tỉnh nhắc tới tỉnh cũ mã {old} không tồn tại")
    return package


# --- What the database should hold ---


@dataclass(frozen=True)
class UnitSpec:
    key: NaturalKey
    name: str
    parent: NaturalKey | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None


@dataclass(frozen=True)
class LineageSpec:
    predecessor: NaturalKey
    successor: NaturalKey
    event: str
    legal_basis: str
    is_default: bool


@dataclass
class _Plan:
    units: list[UnitSpec]  # parents before children
    lineage: list[LineageSpec]
    missing_references: list[str]


def _spanning_codes(package: _Package) -> set[int]:
    """Provinces that came through 1/7/2025 unchanged: one old, one new, same code, same name."""
    codes = set()
    for new, olds in package.data.province_new_to_old.items():
        if olds != (new,) or package.data.province_old_to_new.get(new) != (new,):
            continue
        if normalize_text(package.provinces[new].name) == normalize_text(package.legacy_provinces[new].name):
            codes.add(new)
    return codes


def _province_pairs(package: _Package, spanning: set[int]) -> tuple[list[Pair], list[Pair]]:
    """(old, new) province pairs from the table, minus those the commune table contradicts.

    The 2026.9 package lists Tiền Giang (82) under Tây Ninh (80) because one commune row of its
    commune table carries the wrong old province (Phường 4, Tân An, is in Long An): no commune
    of Tiền Giang goes to Tây Ninh. A lineage row no commune supports would mislead the
    "current structure" statistics, so such a pair is skipped and reported.
    """
    moved: Counter[Pair] = Counter()
    for row in package.data.commune_conversions:
        if row.old_code not in package.legacy_communes:
            continue
        old_province = package.legacy_commune_province(row.old_code)
        for new_code in row.new_codes:
            if new_code in package.communes:
                moved[(old_province, package.communes[new_code].parent_code)] += 1
    pairs, contradicted = [], []
    for new, olds in package.data.province_new_to_old.items():
        if new in spanning:
            continue
        for old in olds:
            if moved[(old, new)]:
                pairs.append((old, new))
            else:
                contradicted.append((old, new))
    return pairs, contradicted


def _province_event(package: _Package, old: int, new: int, pairs: list[Pair]) -> str:
    news_of_old = sum(1 for o, _ in pairs if o == old)
    olds_of_new = sum(1 for _, n in pairs if n == new)
    if news_of_old > 1:
        return LineageEvent.SPLIT
    if olds_of_new > 1:
        return LineageEvent.MERGE
    old_name = _PROVINCE_PREFIX.sub("", normalize_text(package.legacy_provinces[old].name))
    new_name = _PROVINCE_PREFIX.sub("", normalize_text(package.provinces[new].name))
    # Same proper name, new type (Tỉnh Quảng Ninh → Thành phố Quảng Ninh) is an upgrade.
    return LineageEvent.UPGRADE if old_name == new_name else LineageEvent.RENAME


@dataclass(frozen=True)
class _Keys:
    """Natural keys of the rows the package describes; unchanged provinces share one row."""

    spanning: frozenset[int]

    def legacy_province(self, code: int) -> NaturalKey:
        scheme = SCHEME_SPANNING if code in self.spanning else SCHEME_LEGACY
        return (UnitKind.PROVINCE.value, scheme, str(code))

    def province(self, code: int) -> NaturalKey:
        scheme = SCHEME_SPANNING if code in self.spanning else SCHEME_2025
        return (UnitKind.PROVINCE.value, scheme, str(code))

    def district(self, code: int) -> NaturalKey:
        return (UnitKind.DISTRICT.value, SCHEME_LEGACY, str(code))

    def legacy_commune(self, code: int) -> NaturalKey:
        return (UnitKind.COMMUNE.value, SCHEME_LEGACY, str(code))

    def commune(self, code: int) -> NaturalKey:
        return (UnitKind.COMMUNE.value, SCHEME_2025, str(code))


def _unit_specs(package: _Package, keys: _Keys, selected: Callable[[int | None], bool]) -> list[UnitSpec]:
    """The rows to hold, parents before children."""
    specs: list[UnitSpec] = []
    for code, record in package.legacy_provinces.items():
        if selected(code):
            valid_to = None if code in keys.spanning else LAST_LEGACY_DAY
            specs.append(UnitSpec(keys.legacy_province(code), record.name, None, None, valid_to))
    for code, record in package.provinces.items():
        if selected(code) and code not in keys.spanning:
            specs.append(UnitSpec(keys.province(code), record.name, None, REORGANISATION_DATE, None))
    for code, record in package.legacy_districts.items():
        if selected(record.parent_code):
            parent = keys.legacy_province(record.parent_code)
            specs.append(UnitSpec(keys.district(code), record.name, parent, None, LAST_LEGACY_DAY))
    for code, record in package.legacy_communes.items():
        if selected(package.legacy_commune_province(code)):
            parent = keys.district(record.parent_code)
            specs.append(UnitSpec(keys.legacy_commune(code), record.name, parent, None, LAST_LEGACY_DAY))
    for code, record in package.communes.items():
        if selected(record.parent_code):
            parent = keys.province(record.parent_code)
            specs.append(UnitSpec(keys.commune(code), record.name, parent, REORGANISATION_DATE, None))
    return specs


def _province_lineage(
    package: _Package, keys: _Keys, selected: Callable[[int | None], bool], missing: list[str]
) -> list[LineageSpec]:
    pairs, contradicted = _province_pairs(package, set(keys.spanning))
    missing.extend(
        f"tỉnh cũ mã {old} → tỉnh mới mã {new} (không xã nào của tỉnh cũ chuyển về tỉnh mới)"
        for old, new in contradicted
        if selected(old) or selected(new)
    )
    specs = []
    for old, new in pairs:
        if selected(old) or selected(new):
            first_successor = next(n for o, n in pairs if o == old)
            specs.append(
                LineageSpec(
                    predecessor=keys.legacy_province(old),
                    successor=keys.province(new),
                    event=_province_event(package, old, new, pairs),
                    legal_basis=PROVINCE_LEGAL_BASIS,
                    is_default=new == first_successor,
                )
            )
    return specs


def _commune_lineage(
    package: _Package, keys: _Keys, selected: Callable[[int | None], bool], missing: list[str]
) -> list[LineageSpec]:
    # A new commune formed from several old ones is a merger; count them once for all rows.
    olds_per_new = Counter(new for row in package.data.commune_conversions for new in row.new_codes)
    specs = []
    for row in package.data.commune_conversions:
        old_known = row.old_code in package.legacy_communes
        old_province = package.legacy_commune_province(row.old_code) if old_known else row.old_province_code
        for position, new in enumerate(row.new_codes):
            new_known = new in package.communes
            new_province = package.communes[new].parent_code if new_known else None
            if not (selected(old_province) or selected(new_province)):
                continue
            if not (old_known and new_known):
                # The 2026.9 tables name ten old communes the legacy list does not have (in Sơn La
                # and Hồ Chí Minh City): there is no unit to link, so the row is reported, not guessed.
                missing.append(f"xã cũ mã {row.old_code} → xã mới mã {new}")
                continue
            if row.is_partly_merged:
                event = LineageEvent.SPLIT
            elif olds_per_new[new] > 1:
                event = LineageEvent.MERGE
            else:
                event = LineageEvent.RENAME
            specs.append(
                LineageSpec(
                    predecessor=keys.legacy_commune(row.old_code),
                    successor=keys.commune(new),
                    event=event,
                    legal_basis=COMMUNE_LEGAL_BASIS,
                    is_default=position == 0,
                )
            )
    return specs


def _plan(package: _Package, province_codes: set[int] | None) -> _Plan:
    def selected(code: int | None) -> bool:
        return province_codes is None or code in province_codes

    keys = _Keys(spanning=frozenset(_spanning_codes(package)))
    missing: list[str] = []
    lineage = _province_lineage(package, keys, selected, missing) + _commune_lineage(package, keys, selected, missing)
    return _Plan(units=_unit_specs(package, keys, selected), lineage=lineage, missing_references=missing)


# --- Writing ---


@dataclass
class LoadResult:
    """What a run did. Counters are keyed by UnitKind value (province, district, commune)."""

    version: str
    created: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    lineage_created: int = 0
    lineage_unchanged: int = 0
    # Conversion-table rows that could not become lineage (a unit the package does not list).
    missing_references: list[str] = field(default_factory=list)

    @property
    def units_created(self) -> int:
        return sum(self.created.values())


@dataclass
class _Row:
    id: int
    name: str
    path: str
    scheme: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    starts_before_b_ends = a_from is None or b_to is None or a_from <= b_to
    return starts_before_b_ends and (b_from is None or a_to is None or b_from <= a_to)


def _describe(key: NaturalKey, name: str) -> str:
    kind, scheme, code = key
    return f"{KIND_WORD[kind]} mã {code} «{name}» (bộ mã {scheme})"


def _reserve_ids(count: int) -> list[int]:
    """Take ids from the table's sequence first, so each row is inserted with its final path.

    Setting the path afterwards with an UPDATE would write a second audit row per unit.
    """
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Unit._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


def _write_units(specs: list[UnitSpec], result: LoadResult) -> dict[NaturalKey, _Row]:
    existing: dict[NaturalKey, _Row] = {}
    by_code: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    rows = (
        Unit.objects.filter(kind__in=TERRITORY_KINDS)
        .exclude(official_code="")
        .values_list("id", "kind", "scheme", "official_code", "name", "path", "valid_from", "valid_to")
    )
    for pk, kind, scheme, code, name, path, valid_from, valid_to in rows:
        row = _Row(pk, name, path, scheme, valid_from, valid_to)
        by_code[(kind, code)].append(row)
        if scheme in SCHEMES:
            if (kind, scheme, code) in existing:
                raise ReferenceDataError(
                    f"Cơ sở dữ liệu có hai đơn vị cùng {_describe((kind, scheme, code), name)}; "
                    "hãy xử lý trùng lặp trước khi nạp."
                )
            existing[(kind, scheme, code)] = row

    to_create: list[UnitSpec] = []
    for spec in specs:
        name = normalize_text(spec.name)
        row = existing.get(spec.key)
        if row is not None:
            # A code alone is never trusted: a reused code with another name means the database
            # and the package disagree about which unit this is.
            if normalize_text(row.name) != name:
                raise ReferenceDataError(
                    f"Không nạp được dữ liệu gói {PACKAGE}: {KIND_WORD[spec.key[0]]} mã {spec.key[2]} "
                    f"(bộ mã {spec.key[1]}) trong cơ sở dữ liệu có tên «{row.name}», trong gói là «{name}»."
                )
            result.unchanged[spec.key[0]] += 1
            continue
        for other in by_code[(spec.key[0], spec.key[2])]:
            if _overlaps(spec.valid_from, spec.valid_to, other.valid_from, other.valid_to):
                raise ReferenceDataError(
                    f"Không nạp được dữ liệu gói {PACKAGE}: {_describe(spec.key, name)} trùng mã với đơn vị "
                    f"«{other.name}» (id {other.id}) đã có trong cơ sở dữ liệu trong cùng thời gian."
                )
        to_create.append(spec)

    ids = iter(_reserve_ids(len(to_create)))
    objects = []
    for spec in to_create:  # parents come first, so a parent's path is known before its children
        pk = next(ids)
        name = normalize_text(spec.name)
        parent = existing[spec.parent] if spec.parent else None
        path = f"{parent.path if parent else '/'}{pk}/"
        kind, scheme, code = spec.key
        objects.append(
            Unit(
                id=pk,
                kind=kind,
                level=TERRITORY_LEVEL[kind],
                parent_id=parent.id if parent else None,
                name=name,
                official_code=code,
                scheme=scheme,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                path=path,
                name_key=search_key(name),
                sort_key=word_sort_key(name),
            )
        )
        existing[spec.key] = _Row(pk, name, path, scheme, spec.valid_from, spec.valid_to)
        result.created[kind] += 1
    Unit.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    return existing


def _write_lineage(specs: list[LineageSpec], units: dict[NaturalKey, _Row], result: LoadResult) -> None:
    links = UnitLineage.objects.filter(predecessor__kind__in=TERRITORY_KINDS)
    present = set(links.values_list("predecessor_id", "successor_id"))
    objects = []
    for spec in specs:
        predecessor, successor = units.get(spec.predecessor), units.get(spec.successor)
        if predecessor is None or successor is None:
            continue  # the other end lies outside the provinces loaded (now or before)
        if (predecessor.id, successor.id) in present:
            result.lineage_unchanged += 1
            continue
        present.add((predecessor.id, successor.id))
        objects.append(
            UnitLineage(
                predecessor_id=predecessor.id,
                successor_id=successor.id,
                event=spec.event,
                date=REORGANISATION_DATE,
                legal_basis=spec.legal_basis,
                is_default=spec.is_default,
            )
        )
    UnitLineage.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    result.lineage_created += len(objects)


def _integrity_message(exc: IntegrityError) -> str:
    """The model's own Vietnamese wording for the constraint the database enforced, plus its detail."""
    diag = getattr(exc.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    detail = getattr(diag, "message_detail", None) or str(exc)
    wording = next(
        (
            c.violation_error_message
            for c in Unit._meta.constraints + UnitLineage._meta.constraints
            if c.name == constraint
        ),
        "Cơ sở dữ liệu từ chối dữ liệu.",
    )
    return f"Không nạp được dữ liệu gói {PACKAGE}, cơ sở dữ liệu giữ nguyên: {wording} Chi tiết: {detail}"


def load_reference_data(*, province_codes: set[int] | None = None) -> LoadResult:
    """Load provinces, districts, communes and their 2025 lineage from the package.

    With province_codes, only those provinces (matched against both the old and the new codes)
    and what lies under them are loaded; lineage is written when both ends exist. One
    transaction: on any error nothing is written.
    """
    package = _check_package(_read_package())
    if province_codes is not None:
        unknown = sorted(set(province_codes) - set(package.legacy_provinces) - set(package.provinces))
        if unknown:
            raise ReferenceDataError(f"Gói {PACKAGE} không có tỉnh mã {', '.join(map(str, unknown))}.")
    plan = _plan(package, province_codes)
    result = LoadResult(version=package.data.version, missing_references=plan.missing_references)
    reason = f"Nạp dữ liệu đơn vị hành chính từ gói {PACKAGE} {package.data.version}"
    try:
        with transaction.atomic(), audit_context(reason=reason):
            units = _write_units(plan.units, result)
            _write_lineage(plan.lineage, units, result)
    except IntegrityError as exc:
        raise ReferenceDataError(_integrity_message(exc)) from exc
    return result
