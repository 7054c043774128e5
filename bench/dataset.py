"""The benchmark dataset: the national reference data, bodies, cadres, careers, plans, evaluations and
quarterly reports, loaded fast.

    python manage.py generate_dataset --size full|small [--cadres N --postings M] [--seed S] [--force]
    python -m bench.dataset ...    (the same)

Full: 10^5 cadres and 10^6 postings (about 50,000 decisions) in database rr_bench; small: 5,000
cadres and 50,000 postings in rr_bench_small (--database, or BENCH_DATABASE, names another). The
database is created when missing and kept; it is rebuilt with --force, or when an earlier generation
did not finish, or was of another seed, size or GENERATOR_VERSION. Same seed, same data.

How it loads 10^6 postings in minutes:
* units, positions, cadres, decisions and postings are written with PostgreSQL COPY (psycopg 3
  `cursor.copy`), with ids chosen here so that rows can point at each other without a round trip;
  the indexes of cadres and postings that back no constraint are dropped for the COPY and built
  again afterwards (without_secondary_indexes);
* BENCH ONLY: the loading session sets `session_replication_role = replica`, which switches off
  ordinary triggers: the pghistory audit triggers (10^6 audit rows would only slow the load and
  are not what is measured), the pgtrigger checks and the foreign-key triggers. Check and
  exclusion constraints are indexes/expressions, not triggers, so they still hold for every row
  (one primary posting at a time per cadre, dates in order, names as written filled). The
  generator keeps the rest consistent itself, and `verify()` checks the foreign keys and the
  decision-date rule afterwards with plain SQL. The application never does this. The columns
  triggers normally derive are written consistently: the postings' top-level units (`origin_root`,
  `dest_root`) in the COPY itself (`postings_refresh_roots()` then finds nothing to change), the
  cadres' reach (`reach_roots`) in one pass by `cadres_refresh_reach_all()`;
* plans, evaluations and quarterly reports: bench/records.py, with the triggers off too;
* the audit records the whole load as ONE change set: one audit context whose metadata names the
  generator, size, seed and counts (record_change_set);
* then VACUUM ANALYZE, so the planner sees real statistics and index-only scans are possible.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import psycopg
import psycopg.types.json

from bench.common import SERVER_URL, SIZES, Size, database_url, setup_django, size_named

SEED = 20260
REORG = datetime.date(2025, 7, 1)
FIRST_DAY = datetime.date(2010, 1, 1)
LAST_START = datetime.date(2026, 10, 31)
BENCH_USERS = ("bench_national", "bench_province")
BENCH_OFFICE = "bench_office"  # the office of one commune committee in bench_province's scope (quarterly report)
BENCH_PASSWORD = "bench-password"
MARKER_TABLE = "bench_dataset"
# Raised when the generator writes something new, so that an older dataset is rebuilt rather than measured.
GENERATOR_VERSION = 2
AUDIT_REASON = "Sinh bộ dữ liệu đo hiệu năng (bench.dataset)"

# --- Names: the demo's lists (rotation_registry/demo/people.py) plus the national frequencies ---

NATIONAL_FAMILY = [
    ("Nguyễn", 310),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 35),
    ("Huỳnh", 16),
    ("Phan", 45),
    ("Vũ", 25),
    ("Võ", 14),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
]
NATIONAL_MALE_MIDDLE = [("Văn", 40), ("Đức", 8), ("Minh", 8), ("Quốc", 6), ("Hữu", 6), ("Thành", 4), ("Anh", 4)]
NATIONAL_FEMALE_MIDDLE = [("Thị", 45), ("Ngọc", 5), ("Thanh", 4), ("Phương", 3), ("Kim", 3)]
NATIONAL_MALE_GIVEN = [
    "An",
    "Bảo",
    "Duy",
    "Hào",
    "Hoàng",
    "Kiên",
    "Lợi",
    "Nhân",
    "Tài",
    "Thái",
    "Thuận",
    "Tiến",
    "Trí",
    "Trường",
    "Tùng",
    "Vinh",
    "Vũ",
    "Hùng",
    "Thông",
    "Sáng",
    "Lộc",
    "Phát",
    "Khoa",
    "Đông",
]
NATIONAL_FEMALE_GIVEN = ["Hà", "Nga", "Vân", "Tuyết", "Liên", "Thơ", "Xuân", "Quyên", "Diệu", "Hiền", "Châu", "Nhàn"]
ETHNICITIES = [
    ("Kinh", 850),
    ("Tày", 40),
    ("Thái", 30),
    ("Mường", 30),
    ("Nùng", 20),
    ("Khmer", 10),
    ("Mông", 8),
    ("Dao", 7),
    ("Sán Chay", 3),
    ("Ê Đê", 2),
]
STATE_MANAGEMENT = [("", 20), ("chuyen_vien", 45), ("chuyen_vien_chinh", 30), ("chuyen_vien_cao_cap", 5)]
KINDS = [("luan_chuyen", 70), ("dieu_dong", 15), ("bo_nhiem", 10), ("biet_phai", 3), ("tang_cuong", 2)]
PURPOSES = [("dao_tao", 60), ("khong_dia_phuong", 12), ("qua_hai_nhiem_ky", 5), ("tang_cuong_co_so", 18), ("khac", 5)]
OUTCOMES = [("", 30), ("chuc_vu_moi", 40), ("tro_ve", 15), ("on_dinh", 12), ("khac", 3)]

# --- Bodies placed under each territory, with the titles of their posts ---

PARTY_TITLES = ["Bí thư", "Phó Bí thư thường trực", "Phó Bí thư"]
PEOPLES_TITLES = ["Chủ tịch UBND", "Phó Chủ tịch UBND"]
PROVINCE_BOARDS = [
    ("Ban Tổ chức {committee}", ["Trưởng ban", "Phó Trưởng ban"]),
    ("Sở Nội vụ {territory}", ["Giám đốc sở", "Phó Giám đốc sở"]),
    ("Sở Tài chính {territory}", ["Giám đốc sở", "Phó Giám đốc sở"]),
    ("Sở Giáo dục và Đào tạo {territory}", ["Giám đốc sở", "Phó Giám đốc sở"]),
]
DISTRICT_BOARDS = [
    ("Phòng Nội vụ {territory}", ["Trưởng phòng", "Phó Trưởng phòng"]),
    ("Phòng Tài chính – Kế hoạch {territory}", ["Trưởng phòng", "Phó Trưởng phòng"]),
    ("Phòng Nông nghiệp và Phát triển nông thôn {territory}", ["Trưởng phòng", "Phó Trưởng phòng"]),
]
COMMUNE_PEOPLES_TITLES = ["Chủ tịch UBND", "Phó Chủ tịch UBND", "Công chức"]
# The party committee of a territory, by the first word(s) of its name, and the abbreviation it signs with.
COMMITTEE_WORD = {
    "Tỉnh": ("Tỉnh ủy", "TU"),
    "Thành phố": ("Thành ủy", "ThU"),
    "Huyện": ("Huyện ủy", "HU"),
    "Quận": ("Quận ủy", "QU"),
    "Thị xã": ("Thị ủy", "TxU"),
}
# Directions decided by a district committee before 1/7/2025 (Biểu 11-BTCTW columns 9–12).
DISTRICT_DECIDED = {"huyen_xa", "xa_huyen", "xa_xa", "phong_phong"}


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {message}", flush=True)


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return datetime.date(year, month % 12 + 1, min(day.day, 28))


# --- The database itself ---


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True)


def database_exists(size: Size) -> bool:
    with _admin_connection() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [size.database]).fetchone() is not None


def dataset_marker(size: Size) -> dict | None:
    """What the finished generation recorded, or None when the dataset is missing or incomplete."""
    if not database_exists(size):
        return None
    keys = ("size", "seed", "cadres", "postings", "decisions", "units", "seconds", "created_at", "version", "counts")
    with psycopg.connect(database_url(size)) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0]
        if exists is None:
            return None
        try:
            row = conn.execute(f"SELECT {', '.join(keys)} FROM {MARKER_TABLE}").fetchone()
        except psycopg.errors.UndefinedColumn:  # written by an earlier generator: rebuild
            return None
    if row is None or row[keys.index("version")] != GENERATOR_VERSION:
        return None
    return dict(zip(keys, row, strict=True))


def recreate_database(size: Size) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{size.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{size.database}"')


# --- Units: the reference territories plus the bodies under them ---


@dataclass
class Body:
    id: int
    level: str
    eras: tuple[int, ...]  # 0: before 1/7/2025, 1: from 1/7/2025
    province: int  # root province row
    district: int | None  # the district territory (district-level bodies and bodies of legacy communes)
    territory: int
    name: str
    positions: list[tuple[int, str]] = field(default_factory=list)  # (position id, title name)


@dataclass
class World:
    bodies: list[Body]
    pools: dict[tuple[int, int, str], list[int]]  # (era, province, level) -> indexes into bodies
    committees: dict[int, tuple[int, str]]  # territory id -> (party committee id, abbreviation)
    legacy_provinces: list[int]
    province_weight: dict[int, int]
    successor: dict[int, int]  # legacy province -> province from 1/7/2025


def _committee_name(territory_name: str) -> tuple[str, str, str]:
    """('Huyện ủy Ba Vì', 'HU', 'huyện Ba Vì') for 'Huyện Ba Vì'; communes get Đảng ủy."""
    for prefix, (committee, abbreviation) in COMMITTEE_WORD.items():
        if territory_name.startswith(prefix + " "):
            proper = territory_name[len(prefix) + 1 :]
            return f"{committee} {proper}", abbreviation, f"{prefix.lower()} {proper}"
    first, _, rest = territory_name.partition(" ")
    lowered = f"{first.lower()} {rest}"
    return f"Đảng ủy {lowered}", "ĐU", lowered


def _eras(valid_from, valid_to) -> tuple[int, ...]:
    eras = []
    if valid_from is None or valid_from < REORG:
        eras.append(0)
    if valid_to is None or valid_to >= REORG:
        eras.append(1)
    return tuple(eras)


def load_units(cursor) -> World:
    """Bodies and positions under every territory of the reference data, written with COPY."""
    from rotation_registry.common.vietnamese import normalize_text, search_key, word_sort_key
    from units.models import UnitKind

    cursor.execute(
        "SELECT id, kind, parent_id, name, valid_from, valid_to, path, scheme FROM units_unit "
        "WHERE kind IN ('province', 'district', 'commune') ORDER BY id"
    )
    territories = {row[0]: row for row in cursor.fetchall()}
    titles = dict(cursor.execute("SELECT name, id FROM units_positiontitle").fetchall())
    next_unit = cursor.execute("SELECT max(id) FROM units_unit").fetchone()[0] + 1
    next_position = (cursor.execute("SELECT max(id) FROM units_position").fetchone()[0] or 0) + 1

    def province_of(tid: int) -> int:
        while territories[tid][2] is not None:
            tid = territories[tid][2]
        return tid

    bodies: list[Body] = []
    unit_rows: list[tuple] = []
    position_rows: list[tuple] = []
    committees: dict[int, tuple[int, str]] = {}

    def add_body(territory_id: int, kind: str, level: str, name: str, title_names: list[str], abbr: str = "") -> Body:
        nonlocal next_unit, next_position
        tid, tkind, parent, tname, valid_from, valid_to, path, scheme = territories[territory_id]
        name = normalize_text(name)
        body_id = next_unit
        next_unit += 1
        unit_rows.append(
            (
                body_id,
                kind,
                level,
                name,
                "",
                abbr,
                "",
                "",
                valid_from,
                valid_to,
                f"{path}{body_id}/",
                search_key(name),
                word_sort_key(name),
                territory_id,
            )
        )
        district = None
        if tkind == UnitKind.DISTRICT:
            district = territory_id
        elif tkind == UnitKind.COMMUNE and territories[parent][1] == UnitKind.DISTRICT:
            district = parent
        body = Body(body_id, level, _eras(valid_from, valid_to), province_of(territory_id), district, tid, name)
        for title in title_names:
            position_rows.append((next_position, None, titles[title], body_id))
            body.positions.append((next_position, title))
            next_position += 1
        bodies.append(body)
        return body

    for tid, (_, kind, _parent, name, *_rest) in territories.items():
        committee, abbreviation, lowered = _committee_name(name)
        if kind == UnitKind.PROVINCE:
            party = add_body(tid, "party_committee", "province", committee, PARTY_TITLES, abbreviation)
            add_body(tid, "peoples_committee", "province", f"Ủy ban nhân dân {lowered}", PEOPLES_TITLES)
            for template, board_titles in PROVINCE_BOARDS:
                board = template.format(committee=committee, territory=lowered)
                add_body(tid, "board", "province", board, board_titles)
        elif kind == UnitKind.DISTRICT:
            party = add_body(tid, "party_committee", "district", committee, PARTY_TITLES, abbreviation)
            add_body(tid, "peoples_committee", "district", f"Ủy ban nhân dân {lowered}", PEOPLES_TITLES)
            for template, board_titles in DISTRICT_BOARDS:
                add_body(tid, "board", "district", template.format(territory=lowered), board_titles)
        else:
            party = add_body(tid, "party_committee", "commune", committee, PARTY_TITLES[:2], abbreviation)
            add_body(tid, "peoples_committee", "commune", f"Ủy ban nhân dân {lowered}", COMMUNE_PEOPLES_TITLES)
        committees[tid] = (party.id, abbreviation)

    columns = (
        "id, kind, level, name, short_name, abbreviation, official_code, scheme, valid_from, valid_to, path, "
        "name_key, sort_key, parent_id"
    )
    with cursor.copy(f"COPY units_unit ({columns}) FROM STDIN") as copy:
        for row in unit_rows:
            copy.write_row(row)
    with cursor.copy("COPY units_position (id, quota, title_id, unit_id) FROM STDIN") as copy:
        for row in position_rows:
            copy.write_row(row)

    # Where each former province went on 1/7/2025: the new province that received most of its communes
    # (the province conversion table has one contradicted pair, so communes are the safer witness).
    cursor.execute(
        """
        SELECT op.id, np.id, count(*) FROM units_unitlineage l
        JOIN units_unit o ON o.id = l.predecessor_id AND o.kind = 'commune'
        JOIN units_unit n ON n.id = l.successor_id
        JOIN units_unit od ON od.id = o.parent_id JOIN units_unit op ON op.id = od.parent_id
        JOIN units_unit np ON np.id = n.parent_id
        GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2
        """
    )
    successor: dict[int, int] = {}
    for old, new, _count in cursor.fetchall():
        successor.setdefault(old, new)
    legacy_provinces = [
        tid for tid, row in territories.items() if row[1] == UnitKind.PROVINCE and row[7] in ("legacy", "legacy+2025")
    ]
    for tid in legacy_provinces:
        successor.setdefault(tid, tid)
    pools: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    weight: dict[int, int] = defaultdict(int)
    for index, body in enumerate(bodies):
        for era in body.eras:
            pools[(era, body.province, body.level)].append(index)
        if 0 in body.eras and body.level == "commune":
            weight[body.province] += 1
    return World(bodies, dict(pools), committees, legacy_provinces, dict(weight), successor)


# --- Cadres and their careers ---


def _name(rng: random.Random, female: bool) -> str:
    from rotation_registry.demo import people

    if rng.random() < 0.2:  # the demo's (mostly northern-mountain) names
        family = rng.choice(people.FAMILY_NAMES)
        middle = rng.choice(people.FEMALE_MIDDLE if female else people.MALE_MIDDLE)
        given = rng.choice(people.FEMALE_GIVEN if female else people.MALE_GIVEN)
    else:
        family = _weighted(rng, NATIONAL_FAMILY)
        middle = _weighted(rng, NATIONAL_FEMALE_MIDDLE if female else NATIONAL_MALE_MIDDLE)
        given = rng.choice(
            (NATIONAL_FEMALE_GIVEN + people.FEMALE_GIVEN) if female else (NATIONAL_MALE_GIVEN + people.MALE_GIVEN)
        )
    return f"{family} {middle} {given}"


def _posting_counts(rng: random.Random, cadres: int, postings: int) -> list[int]:
    """Postings per cadre: 5 to 15 (mean 10), nudged so the total is exactly `postings`."""
    mean = postings / cadres
    low, high = max(1, round(mean / 2)), max(2, round(mean * 1.5))
    counts = [rng.randint(low, high) for _ in range(cadres)]
    difference = postings - sum(counts)
    while difference:
        i = rng.randrange(cadres)
        if difference > 0 and counts[i] < high + 5:
            counts[i] += 1
            difference -= 1
        elif difference < 0 and counts[i] > 1:
            counts[i] -= 1
            difference += 1
    return counts


def _boundaries(rng: random.Random, start: int, end: int, count: int) -> list[int]:
    """count segments covering [start, end) (ordinals), of random but comparable lengths."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
    total = sum(weights)
    span = end - start
    points, acc = [start], 0.0
    for w in weights[:-1]:
        acc += w
        points.append(start + int(span * acc / total))
    return points


def _snap_to_reorganisation(points: list[int], end: int, reorg: int) -> None:
    """Move the boundary nearest 1/7/2025 onto it: the reorganisation ended every district post."""
    inside = [i for i in range(len(points)) if points[i] <= reorg]
    if not inside or end <= reorg:
        return
    j = inside[-1]
    if points[j] == reorg:
        return
    candidates = [i for i in (j, j + 1) if 0 < i < len(points)]
    if candidates:
        nearest = min(candidates, key=lambda i: abs(points[i] - reorg))
        points[nearest] = reorg


def _direction(origin: Body, dest: Body, by_levels: dict[tuple[str, str], str]) -> str:
    """postings.directions.derive_direction on the generator's bodies (levels, then same district)."""
    if origin.level == "district" and dest.level == "district":
        return "phong_phong" if origin.district == dest.district else "huyen_huyen"
    return by_levels.get((origin.level, dest.level), "khac")


@dataclass
class Generated:
    cadres: int = 0
    postings: int = 0
    decisions: int = 0


def generate_people(cursor, world: World, size: Size, seed: int) -> Generated:
    from postings.directions import _BY_LEVELS
    from rotation_registry.common.vietnamese import name_sort_key, search_key
    from rotation_registry.demo import people

    rng = random.Random(seed)
    by_levels = {(str(a), str(b)): str(d) for (a, b), d in _BY_LEVELS.items()}

    provinces = world.legacy_provinces
    province_weights = [world.province_weight.get(p, 1) for p in provinces]
    counts = _posting_counts(rng, size.cadres, size.postings)
    reorg = REORG.toordinal()
    first, last_start = FIRST_DAY.toordinal(), LAST_START.toordinal()
    bodies = world.bodies

    def pick(era: int, province: int, level: str) -> Body:
        return bodies[rng.choice(world.pools[(era, province, level)])]

    cadre_rows: list[tuple] = []
    # Posting rows are kept as lists until their decision is known.
    postings: list[list] = []
    for cadre_id, count in enumerate(counts, start=1):
        female = rng.random() < 0.3
        name = _name(rng, female)
        home = rng.choices(provinces, weights=province_weights)[0]
        career_start = rng.randint(first, datetime.date(2016, 12, 31).toordinal())
        active = rng.random() < 0.75
        career_end = last_start if active else rng.randint(min(career_start + count * 150, last_start), last_start)
        points = _boundaries(rng, career_start, career_end, count)
        _snap_to_reorganisation(points, career_end, reorg)
        born = datetime.date.fromordinal(career_start) - datetime.timedelta(days=rng.randint(25 * 365, 45 * 365))
        province = home
        # Where the career starts: a junior post in the home province.
        first_era = 0 if points[0] < reorg else 1
        first_levels = ("commune", "district") if first_era == 0 else ("commune", "province")
        origin = pick(first_era, home if first_era == 0 else world.successor[home], rng.choice(first_levels))
        origin_position, origin_title = origin.positions[-1]
        last_unit = None
        for i, start in enumerate(points):
            era = 0 if start < reorg else 1
            if rng.random() < 0.05:  # moved to another province
                province = rng.choices(provinces, weights=province_weights)[0]
            context = province if era == 0 else world.successor[province]
            ends_at_reorg = i + 1 < len(points) and points[i + 1] == reorg
            if era == 0:
                levels = ("commune", "province") if ends_at_reorg else ("commune", "district", "province")
                weights = (55, 45) if ends_at_reorg else (45, 40, 15)
            else:
                levels, weights = ("commune", "province"), (60, 40)
            level = rng.choices(levels, weights=weights)[0]
            dest = pick(era, context, level)
            position_id, title = rng.choice(dest.positions)
            is_last = i == len(points) - 1
            end = None if is_last and active else (points[i + 1] if not is_last else career_end)
            status = "in_force" if end is None else "ended"
            cancel_reason = ""
            if not is_last and rng.random() < 0.01:
                status, cancel_reason = "cancelled", "Quyết định bị thu hồi để điều chỉnh nhân sự"
                end = None
            start_day = datetime.date.fromordinal(start)
            planned_months = rng.choice((24, 36, 36, 36, 60))
            # A district post that ran past 1/7/2025 (a rare cancelled or long posting) has no level any more:
            # the move is recorded with its origin as written only, which derive_direction calls "khac".
            stale_origin = era == 1 and origin.level == "district"
            direction = "khac" if stale_origin else _direction(origin, dest, by_levels)
            postings.append(
                [
                    0,  # id, set once sorted into decisions
                    cadre_id,
                    _weighted(rng, KINDS),
                    _weighted(rng, PURPOSES),
                    None if stale_origin else origin_position,
                    None if stale_origin else origin.id,
                    origin.name,
                    origin_title,
                    position_id,
                    dest.id,
                    dest.name,
                    title,
                    direction,
                    0,  # decision id
                    start_day,
                    planned_months,
                    add_months(start_day, planned_months),
                    datetime.date.fromordinal(end) if end is not None else None,
                    _weighted(rng, OUTCOMES) if status == "ended" else "",
                    True,
                    status,
                    cancel_reason,
                    None,
                    False,
                    # origin_root / dest_root: the top-level unit of each side (postings migration 0011), written
                    # here so that postings_refresh_roots() afterwards finds nothing to change.
                    None if stale_origin else origin.province,
                    dest.province,
                    dest,  # the Body, for the decision's issuer (dropped before COPY)
                ]
            )
            if status != "cancelled":
                origin, origin_position, origin_title = dest, position_id, title
                last_unit = dest.id
        sort_name = name_sort_key(name)
        party_entry = born + datetime.timedelta(days=rng.randint(22 * 365, 30 * 365))
        cadre_rows.append(
            (
                cadre_id,
                name,
                "",
                born,
                "female" if female else "male",
                _weighted(rng, ETHNICITIES),
                _weighted(rng, people.RELIGIONS),
                "",
                "",
                _weighted(rng, people.PROFESSIONAL),
                rng.choice(people.FIELDS),
                _weighted(rng, people.POLITICAL),
                _weighted(rng, STATE_MANAGEMENT),
                party_entry,
                rng.choice(("", "btv_tu", "btv_hu", "btv_hu", "btv_du", "btv_du")),
                f"BK{cadre_id:07d}",
                search_key(name),
                sort_name,
                None,
                None,
                last_unit,
            )
        )
    log(f"  {len(cadre_rows):,} cadres and {len(postings):,} postings generated; writing cadres")
    cadre_columns = (
        "id, full_name, other_names, date_of_birth, sex, ethnicity, religion, birthplace, home_town, "
        "professional_level, professional_field, political_theory, state_management, party_entry_date, "
        "management_category, personal_id, search_key, sort_key, birthplace_unit_id, home_town_unit_id, unit_id"
    )
    with without_secondary_indexes(cursor, "cadres_cadre"):
        with cursor.copy(f"COPY cadres_cadre ({cadre_columns}) FROM STDIN") as copy:
            for row in cadre_rows:
                copy.write_row(row)
    decisions = write_decisions_and_postings(cursor, world, postings, rng)
    return Generated(len(cadre_rows), len(postings), decisions)


def write_decisions_and_postings(cursor, world: World, postings: list[list], rng: random.Random) -> int:
    """Group postings into decisions of about 20 (same issuer, consecutive start dates), then COPY both."""
    cursor.execute("SELECT id, start, \"end\" FROM units_term WHERE kind = 'congress' ORDER BY start")
    terms = cursor.fetchall()

    def term_of(day: datetime.date) -> int:
        for term_id, start, end in terms:
            if start <= day <= end:
                return term_id
        raise ValueError(f"no congress term on {day}")

    def issuer(row: list) -> int:
        dest: Body = row[-1]
        if row[12] in DISTRICT_DECIDED and dest.district is not None:
            return world.committees[dest.district][0]
        return world.committees[dest.province][0]

    abbreviations = {party_id: abbr for party_id, abbr in world.committees.values()}
    by_issuer: dict[int, list[list]] = defaultdict(list)
    for row in postings:
        by_issuer[issuer(row)].append(row)
    decision_rows = []
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    decision_id = 0
    posting_id = 0
    ordered: list[list] = []
    for issuing_unit in sorted(by_issuer):
        rows = sorted(by_issuer[issuing_unit], key=lambda r: (r[14], r[1]))
        i = 0
        while i < len(rows):
            group = rows[i : i + rng.randint(10, 30)]
            i += len(group)
            decision_id += 1
            date = group[0][14] - datetime.timedelta(days=rng.randint(0, 20))
            term = term_of(date)
            numbers[(issuing_unit, term)] += 1
            symbol = f"{numbers[(issuing_unit, term)]:02d}-QĐ/{abbreviations[issuing_unit]}"
            decision_rows.append(
                (
                    decision_id,
                    symbol,
                    date,
                    "",
                    "T/M Ban Thường vụ",
                    f"Về việc luân chuyển, điều động {len(group)} cán bộ",
                    "",
                    "in_force",
                    "",
                    term,
                    issuing_unit,
                )
            )
            for row in group:
                row[13] = decision_id
                ordered.append(row)
    # Posting ids follow start dates (as rows entered over the years would), not the decision order.
    ordered.sort(key=lambda r: (r[14], r[1]))
    for row in ordered:
        posting_id += 1
        row[0] = posting_id
    log(f"  writing {len(decision_rows):,} decisions")
    with cursor.copy(
        "COPY postings_decision (id, symbol, date, signer, signer_title, summary, scan, status, cancel_reason, "
        "congress_term_id, issuing_unit_id) FROM STDIN"
    ) as copy:
        for row in decision_rows:
            copy.write_row(row)
    log(f"  writing {len(ordered):,} postings")
    columns = (
        "id, cadre_id, kind, purpose, origin_position_id, origin_unit_id, origin_unit_name, origin_title_name, "
        "dest_position_id, dest_unit_id, dest_unit_name, dest_title_name, direction, decision_id, start_date, "
        "planned_months, planned_end, actual_end, outcome, is_primary, status, cancel_reason, rule_set_id, adds_title, "
        "origin_root, dest_root"
    )
    with without_secondary_indexes(cursor, "postings_posting"):
        with cursor.copy(f"COPY postings_posting ({columns}) FROM STDIN") as copy:
            for row in ordered:
                copy.write_row(row[:-1])
    return len(decision_rows)


@contextmanager
def without_secondary_indexes(cursor, table: str) -> Iterator[None]:
    """Drop the table's indexes that back no constraint, load, then build them again from their definitions.

    Building an index once over 10^6 rows costs a fraction of updating 17 of them row by row during COPY.
    The primary key and the constraints' indexes (the exclusion constraint on primary postings) stay, so
    every row is still checked as it is written.
    """
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = %s
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%%I', i.indexname)::regclass)
        """,
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    started = time.monotonic()
    cursor.execute("SET maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    cursor.execute("RESET maintenance_work_mem")
    log(f"  {len(indexes)} indexes of {table} built in {time.monotonic() - started:.1f} s")


# --- Users the benchmark signs in as ---


def create_users(world: World) -> None:
    """A board officer scoped to every province (the whole country), one scoped to one merged province, and the
    office of one commune committee of that province (it files the quarterly report the benchmark opens)."""
    from accounts.models import Role, ScopeAssignment, User
    from units.models import Unit

    national = User.objects.create_user(BENCH_USERS[0], password=BENCH_PASSWORD, role=Role.BOARD_STAFF)
    roots = Unit.objects.filter(kind="province", parent__isnull=True).order_by("id")
    ScopeAssignment.objects.bulk_create([ScopeAssignment(user=national, unit=unit) for unit in roots])
    province = Unit.objects.get(kind="province", scheme="2025", name="Tỉnh Tuyên Quang")
    local = User.objects.create_user(BENCH_USERS[1], password=BENCH_PASSWORD, role=Role.BOARD_STAFF)
    ScopeAssignment.objects.create(user=local, unit=province)
    committee = (
        Unit.objects.filter(kind="party_committee", parent__kind="commune", parent__parent=province)
        .order_by("sort_key", "id")
        .first()
    )
    office = User.objects.create_user(BENCH_OFFICE, password=BENCH_PASSWORD, role=Role.UNIT_OFFICE)
    ScopeAssignment.objects.create(user=office, unit=committee)


def reference_counts(cursor) -> dict[str, int]:
    """The territories the reference data loaded, by era (the generator's bodies sit under them)."""
    cursor.execute(
        """
        SELECT
          count(*) FILTER (WHERE kind = 'province' AND scheme IN ('legacy', 'legacy+2025')),
          count(*) FILTER (WHERE kind = 'district'),
          count(*) FILTER (WHERE kind = 'commune' AND scheme = 'legacy'),
          count(*) FILTER (WHERE kind = 'province' AND scheme IN ('2025', 'legacy+2025')),
          count(*) FILTER (WHERE kind = 'commune' AND scheme = '2025'),
          (SELECT count(*) FROM units_unitlineage)
        FROM units_unit WHERE kind IN ('province', 'district', 'commune')
        """
    )
    keys = (
        "provinces_before_2025",
        "districts_before_2025",
        "communes_before_2025",
        "provinces_since_2025",
        "communes_since_2025",
        "lineage_links",
    )
    return dict(zip(keys, cursor.fetchone(), strict=True))


# --- Checks and statistics ---


def verify(cursor) -> None:
    """What the disabled triggers would have checked: foreign keys and the decision-date rule."""
    checks = {
        "posting without cadre": "SELECT count(*) FROM postings_posting p "
        "WHERE NOT EXISTS (SELECT 1 FROM cadres_cadre c WHERE c.id = p.cadre_id)",
        "posting without decision": "SELECT count(*) FROM postings_posting p "
        "WHERE NOT EXISTS (SELECT 1 FROM postings_decision d WHERE d.id = p.decision_id)",
        "posting before its decision": "SELECT count(*) FROM postings_posting p "
        "JOIN postings_decision d ON d.id = p.decision_id WHERE p.start_date < d.date",
        "posting to a missing unit": "SELECT count(*) FROM postings_posting p "
        "WHERE NOT EXISTS (SELECT 1 FROM units_unit u WHERE u.id = p.dest_unit_id) "
        "OR (p.origin_unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units_unit u WHERE u.id = p.origin_unit_id))",
        "unit with a missing parent": "SELECT count(*) FROM units_unit u WHERE u.parent_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM units_unit p WHERE p.id = u.parent_id)",
        "decision with a missing issuer": "SELECT count(*) FROM postings_decision d "
        "WHERE NOT EXISTS (SELECT 1 FROM units_unit u WHERE u.id = d.issuing_unit_id)",
    }
    for label, sql in checks.items():
        bad = cursor.execute(sql).fetchone()[0]
        if bad:
            raise RuntimeError(f"dataset check failed: {bad} {label}")


def reset_sequences(cursor) -> None:
    for table in ("units_unit", "units_position", "cadres_cadre", "postings_decision", "postings_posting"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
        )


# --- The whole generation ---


def generate(size: Size, *, seed: int = SEED) -> dict:
    """Drop and build the dataset; everything it writes belongs to ONE audit context (a change set) whose
    metadata names the generator, the seed and the counts (record_change_set)."""
    started = time.monotonic()
    log(f"creating database {size.database}")
    recreate_database(size)
    setup_django(size)
    from django.core.management import call_command
    from django.db import connection

    from rotation_registry.common.audit import audit_context

    call_command("migrate", verbosity=0)
    with audit_context(reason=AUDIT_REASON, generator="bench.dataset", size=size.name, seed=seed):
        log("migrated; loading the national reference data")
        call_command("load_reference_data", verbosity=0)
        connection.ensure_connection()
        raw = connection.connection
        raw.autocommit = True
        with raw.cursor() as cursor:
            territories = reference_counts(cursor)
            log("  reference data: " + ", ".join(f"{k} {v:,}" for k, v in territories.items()))
            # BENCH ONLY: no audit (pghistory) or other triggers for this session's bulk load; see the module
            # docstring. The load is audited as one change set instead (record_change_set).
            cursor.execute("SET session_replication_role = replica")
            log("writing bodies and positions")
            world = load_units(cursor)
            log(f"  {len(world.bodies):,} bodies; generating cadres and careers")
            generated = generate_people(cursor, world, size, seed)
            # The reach triggers (Cadre.reach_roots, cadres migration 0004) were off too: compute it in one pass.
            log("computing the cadres' reach (cadres_refresh_reach_all)")
            cursor.execute("SELECT cadres_refresh_reach_all()")
            log("computing the postings' top-level units (postings_refresh_roots)")
            cursor.execute("SELECT postings_refresh_roots()")
            cursor.execute("SET session_replication_role = DEFAULT")
            reset_sequences(cursor)
            log("checking what the triggers would have checked")
            verify(cursor)
        create_users(world)
        paperwork = load_paperwork(raw, cadres=generated.cadres, seed=seed)
        counts = {
            **territories,
            "units": _count("units_unit"),
            "cadres": generated.cadres,
            "postings": generated.postings,
            "decisions": generated.decisions,
            **paperwork.as_dict(),
        }
        record_change_set(size, seed, counts)
    log("VACUUM ANALYZE")
    with raw.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        seconds = round(time.monotonic() - started, 1)
        cursor.execute(
            f"CREATE TABLE {MARKER_TABLE} (size text, seed int, cadres int, postings int, decisions int, units int, "
            "seconds real, created_at timestamptz DEFAULT now(), version int, counts jsonb)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (size, seed, cadres, postings, decisions, units, seconds, version, counts) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                size.name,
                seed,
                generated.cadres,
                generated.postings,
                generated.decisions,
                counts["units"],
                seconds,
                GENERATOR_VERSION,
                psycopg.types.json.Jsonb(counts),
            ],
        )
    log(
        f"done: {generated.cadres:,} cadres, {generated.postings:,} postings, {generated.decisions:,} decisions, "
        f"{counts['units']:,} units, {paperwork.plans} plans, {paperwork.evaluations:,} evaluations, "
        f"{paperwork.reports:,} quarterly reports in {seconds} s"
    )
    return dataset_marker(size)


def load_paperwork(raw, *, cadres: int, seed: int):
    """Plans, evaluations and quarterly reports (bench.records), with the triggers off like the rest of the load."""
    from bench import records

    log("plans, evaluations and quarterly reports")
    with raw.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            paperwork = records.load(
                cursor,
                cadres=cadres,
                seed=seed,
                filer=_user(BENCH_USERS[0]),
                filed_paths=_scope(BENCH_USERS[1]),
                log=log,
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    return paperwork


def _user(username: str):
    from accounts.models import User

    return User.objects.get(username=username)


def _scope(username: str) -> list[str]:
    from accounts.scopes import scope_paths

    return scope_paths(_user(username)) or []


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def record_change_set(size: Size, seed: int, counts: dict[str, int]) -> None:
    """Name the whole load in its audit context: generator, size, seed and what was written.

    The reference data, the users and their scopes were written with the audit triggers on, so their
    events point at this context; the bulk rows (bodies, cadres, postings, decisions, plans, evaluations,
    reports) were written with the triggers off and have no event of their own: the context's metadata is
    their record. pghistory writes a context's metadata with each event; this sets the final one.
    """
    import json

    from django.db import connection

    what = ", ".join(f"{value:,} {key}" for key, value in counts.items())
    metadata = {
        "reason": f"{AUDIT_REASON}: cỡ {size.name}, hạt giống {seed}; {what}",
        "generator": "bench.dataset",
        "size": size.name,
        "seed": seed,
        "counts": counts,
        "bulk_without_row_events": "units (bodies), positions, cadres, decisions, postings, plans, evaluations, "
        "reporting periods, quarterly reports",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pghistory_context SET metadata = %s::jsonb, updated_at = now() "
            "WHERE metadata->>'generator' = 'bench.dataset' RETURNING id",
            [json.dumps(metadata, ensure_ascii=False)],
        )
        contexts = cursor.fetchall()
    if len(contexts) != 1:
        raise RuntimeError(f"the load should be one audit context, found {len(contexts)}")


def ensure(size: Size, *, force: bool = False, seed: int = SEED) -> dict:
    """The dataset's marker, generating the dataset first when missing, incomplete, different or forced."""
    marker = None if force else dataset_marker(size)
    wanted = (seed, size.cadres, size.postings)
    if marker is not None and (marker["seed"], marker["cadres"], marker["postings"]) == wanted:
        return marker
    return generate(size, seed=seed)


def parse_size(args: argparse.Namespace) -> Size:
    """--size, with --cadres / --postings / --database overriding its numbers or its database."""
    size = size_named(args.size, args.database)
    if args.cadres or args.postings:
        cadres = args.cadres or size.cadres
        postings = args.postings or size.postings
        if postings < cadres:
            raise SystemExit("--postings must be at least --cadres (every cadre has a career of one posting or more)")
        size = replace(size, cadres=cadres, postings=postings)
    return size


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The generator's options (also those of `manage.py generate_dataset`)."""
    parser.add_argument("--size", choices=sorted(SIZES), default="full", help="full: 10^5 cadres, 10^6 postings")
    parser.add_argument("--cadres", type=int, help="number of cadres (default: the size's)")
    parser.add_argument("--postings", type=int, help="number of postings (default: the size's)")
    parser.add_argument("--seed", type=int, default=SEED, help="same seed, same data")
    parser.add_argument("--force", action="store_true", help="drop and regenerate even if the dataset exists")
    parser.add_argument("--database", help="database name (default: rr_bench / rr_bench_small, or BENCH_DATABASE)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    marker = ensure(parse_size(args), force=args.force, seed=args.seed)
    print({key: str(value) for key, value in marker.items()})


if __name__ == "__main__":
    main()
