"""Builds the demo province of Lạng Sơn from the seed articles (docs/demo.md says what and why).

The figures the articles quote are reproduced where they are consistent:
  * 132 rotations (luân chuyển) started in 2016–2020, of which 11 between province and district;
    the article's "127 from district to commune" cannot also hold (11 + 127 > 132), so the other
    121 are 120 district → commune and 1 commune → district (Nông Ngọc Duy's return);
  * 14 moves since 2016 (to 28/11/2021) from Bình Gia's district departments to key commune posts;
  * 26 heads of departments of thành phố Lạng Sơn rotated to key ward and commune posts in the
    2015–2020 congress term;
  * Bình Gia's leaders rated "hoàn thành tốt nhiệm vụ trở lên": 231 of 251 (92,03%) in 2016 and
    197 of 200 (98,5%) in 2020.
Every posting goes through postings.services, so the demo obeys the same rules as user input;
where a rule warns, the demo records the override and its reason, as a board officer would.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, ScopeAssignment, User
from cadres.models import Cadre, Evaluation, EvaluationLevel, ManagementCategory, PlanningRecord
from cadres.retirement import add_months
from postings import services
from postings.models import Decision, PostingKind, PostingOutcome, PostingPurpose
from rotation_registry.common.audit import audit_context
from rotation_registry.demo.people import PeopleGenerator, Person
from units.models import REORGANISATION_DATE, Position, PositionTitle, Term, Unit, UnitKind
from units.reference import load_reference_data

D = datetime.date
PROVINCE_CODE = 20
DEMO_PASSWORD = "rotation-demo"
# The first demo cadre: if it exists, the demo has been loaded.
MARKER_PERSONAL_ID = "LS-00001"
# Generated 2016–2020 rotations start in this window: inside both the plan period 2016–2020 and the
# congress term 2015–2020, so the articles' figures hold under either reading.
FIRST_START, LAST_START = D(2016, 2, 1), D(2020, 9, 15)
LAST_DISTRICT_DAY = REORGANISATION_DATE - datetime.timedelta(days=1)

# Former districts of Lạng Sơn (2017–2025), by official code.
TP_LANG_SON, TRANG_DINH, BINH_GIA, VAN_LANG, CAO_LOC = 178, 180, 181, 182, 183
VAN_QUAN, BAC_SON, HUU_LUNG, CHI_LANG, LOC_BINH, DINH_LAP = 184, 185, 186, 187, 188, 189
OTHER_DISTRICTS = [
    CHI_LANG,
    LOC_BINH,
    CHI_LANG,
    LOC_BINH,
    CAO_LOC,
    VAN_LANG,
    VAN_QUAN,
    BAC_SON,
    HUU_LUNG,
    DINH_LAP,
    TRANG_DINH,
]

DISTRICT_DEPARTMENTS = [
    "Phòng Nội vụ",
    "Phòng Tài chính – Kế hoạch",
    "Phòng Nông nghiệp và Phát triển nông thôn",
    "Phòng Văn hóa và Thông tin",
    "Phòng Tài nguyên và Môi trường",
    "Văn phòng HĐND và UBND",
]
PROVINCE_DEPARTMENTS = ["Sở Nội vụ", "Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Sở Nông nghiệp và Phát triển nông thôn"]
# Key commune posts the article lists: bí thư, phó bí thư thường trực, chủ tịch UBND, phó chủ tịch HĐND, UBND.
KEY_COMMUNE_POSTS = [
    ("Bí thư", "party"),
    ("Phó Bí thư thường trực", "party"),
    ("Chủ tịch UBND", "ubnd"),
    ("Phó Chủ tịch HĐND", "hdnd"),
    ("Phó Chủ tịch UBND", "ubnd"),
]
REASON = "Nạp dữ liệu mẫu tỉnh Lạng Sơn (bài báo nguồn của sản phẩm)"


class DemoAlreadyLoaded(Exception):
    """The demo is in the database already; nothing was changed."""


@dataclass
class DemoResult:
    cadres: int = 0
    decisions: int = 0
    postings: int = 0
    evaluations: int = 0
    users: list[str] = field(default_factory=list)


@dataclass
class PlannedMove:
    """A move waiting for its decision: moves of one issuer in one quarter share a decision."""

    cadre: Cadre
    issuer: Unit
    origin: Position | None
    destination: Position
    start: D
    purpose: str = PostingPurpose.TRAINING
    kind: str = PostingKind.ROTATION
    is_primary: bool = True
    end: D | None = None
    outcome: str = ""
    overrides: list[services.OverrideRequest] = field(default_factory=list)
    end_overrides: list[services.OverrideRequest] = field(default_factory=list)


def _lower_prefix(commune_name: str) -> str:
    """'Xã Tú Đoạn' -> 'xã Tú Đoạn', as it reads inside 'Đảng ủy xã Tú Đoạn'."""
    first, _, rest = commune_name.partition(" ")
    if first == "Thị":  # Thị trấn
        second, _, rest = rest.partition(" ")
        return f"thị {second.lower()} {rest}"
    return f"{first.lower()} {rest}"


def _district_words(district: Unit) -> tuple[str, str]:
    """('huyện', 'Bình Gia') or ('thành phố', 'Lạng Sơn')."""
    if district.name.startswith("Thành phố "):
        return "thành phố", district.name.removeprefix("Thành phố ")
    return "huyện", district.name.removeprefix("Huyện ")


class DemoProvince:
    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.people = PeopleGenerator()
        self.result = DemoResult()
        self.personal_ids = itertools.count(1)
        self.decision_numbers: dict[tuple[int, int], int] = defaultdict(lambda: 14)
        self.titles = {t.name: t for t in PositionTitle.objects.all()}
        self.province = Unit.objects.valid_on(timezone.localdate()).get(
            kind=UnitKind.PROVINCE, official_code=str(PROVINCE_CODE)
        )
        self.districts = {
            int(d.official_code): d
            for d in Unit.objects.filter(kind=UnitKind.DISTRICT, parent=self.province, scheme="legacy")
        }
        self.terms = {(t.kind, t.name): t for t in Term.objects.all()}

    # --- Units, bodies and positions ---

    def body(self, kind: str, name: str, parent: Unit, abbreviation: str = "", *, like: Unit | None = None) -> Unit:
        """A body under a territory, valid exactly as long as the territory (or `like`)."""
        like = like or parent
        unit, _ = Unit.objects.get_or_create(
            parent=parent,
            kind=kind,
            name=name,
            valid_from=like.valid_from,
            valid_to=like.valid_to,
            defaults={"abbreviation": abbreviation},
        )
        return unit

    def position(self, title: str, unit: Unit) -> Position:
        position, _ = Position.objects.get_or_create(title=self.titles[title], unit=unit)
        return position

    def commune(self, district_code: int, name: str) -> Unit:
        return Unit.objects.get(kind=UnitKind.COMMUNE, parent=self.districts[district_code], name=name)

    def communes_of(self, district_code: int) -> list[Unit]:
        return list(Unit.objects.filter(kind=UnitKind.COMMUNE, parent=self.districts[district_code]).order_by("name"))

    def commune_bodies(self, commune: Unit) -> dict[str, Unit]:
        words = _lower_prefix(commune.name)
        return {
            "party": self.body(UnitKind.PARTY_COMMITTEE, f"Đảng ủy {words}", commune, "ĐU"),
            "ubnd": self.body(UnitKind.PEOPLES_COMMITTEE, f"UBND {words}", commune),
            "hdnd": self.body(UnitKind.PEOPLES_COUNCIL, f"HĐND {words}", commune),
        }

    def district_bodies(self, code: int) -> dict[str, Unit]:
        district = self.districts[code]
        word, name = _district_words(district)
        committee_word = "Thành ủy" if word == "thành phố" else "Huyện ủy"
        committee = self.body(
            UnitKind.PARTY_COMMITTEE, f"{committee_word} {name}", district, "ThU" if word == "thành phố" else "HU"
        )
        bodies = {
            "committee": committee,
            "ubnd": self.body(UnitKind.PEOPLES_COMMITTEE, f"UBND {word} {name}", district),
            "organisation": self.body(UnitKind.BOARD, f"Ban Tổ chức {committee_word} {name}", committee),
            "youth": self.body(
                UnitKind.MASS_ORGANISATION, f"{'Thành' if word == 'thành phố' else 'Huyện'} đoàn {name}", district
            ),
        }
        for department in DISTRICT_DEPARTMENTS:
            bodies[department] = self.body(UnitKind.BOARD, f"{department} {word} {name}", district)
        return bodies

    def province_bodies(self) -> dict[str, Unit]:
        committee = self.body(UnitKind.PARTY_COMMITTEE, "Tỉnh ủy Lạng Sơn", self.province, "TU")
        bodies = {
            "committee": committee,
            "organisation": self.body(UnitKind.BOARD, "Ban Tổ chức Tỉnh ủy", committee, "BTCTU"),
            "mass_mobilisation": self.body(UnitKind.BOARD, "Ban Dân vận Tỉnh ủy", committee, "BDVTU"),
            "ubnd": self.body(UnitKind.PEOPLES_COMMITTEE, "UBND tỉnh Lạng Sơn", self.province),
        }
        for department in PROVINCE_DEPARTMENTS:
            bodies[department] = self.body(UnitKind.BOARD, f"{department} tỉnh Lạng Sơn", self.province)
        return bodies

    # --- People ---

    def cadre(
        self, person: Person | None = None, *, unit: Unit, category: str = ManagementCategory.BTV_HU, **overrides
    ) -> Cadre:
        person = person or self.people.person()
        values = dict(
            vars(person), unit=unit, management_category=category, personal_id=f"LS-{next(self.personal_ids):05d}"
        )
        values.update(overrides)
        values.setdefault("party_entry_date", D(values["date_of_birth"].year + 24, 3, 19))
        self.result.cadres += 1
        return Cadre.objects.create(**values)

    def plan(self, cadre: Cadre, title: str, unit: Unit | None, day: D) -> None:
        """The planning record a training rotation needs (quy hoạch), for the congress term of `day`."""
        term = Term.congress_term_on(day)
        PlanningRecord.objects.create(
            cadre=cadre,
            target_title=self.titles[title],
            target_unit=unit,
            term=term,
            valid_from=term.start,
            valid_to=term.end,
            decision_reference=f"Quyết định phê duyệt quy hoạch nhiệm kỳ {term.name}",
        )

    # --- Decisions and postings ---

    def decision(self, issuer: Unit, day: D, summary: str) -> Decision:
        term = Term.congress_term_on(day)
        key = (issuer.pk, term.pk)
        self.decision_numbers[key] += 1 + (issuer.pk + day.toordinal()) % 5
        self.result.decisions += 1
        return services.decision_create(
            actor=self.actor,
            symbol=f"{self.decision_numbers[key]:02d}-QĐ/{issuer.abbreviation}",
            date=day,
            issuing_unit=issuer,
            summary=summary,
            signer_title="T/M BAN THƯỜNG VỤ",
            reason=REASON,
        )

    def carry_out(self, moves: list[PlannedMove]) -> None:
        """Issue one decision per issuer and quarter, then record and (where due) end each move."""
        batches: dict[tuple[int, int, int], list[PlannedMove]] = defaultdict(list)
        for move in moves:
            batches[(move.issuer.pk, move.start.year, (move.start.month - 1) // 3)].append(move)
        for batch in batches.values():
            first = min(m.start for m in batch)
            summary = (
                "Về việc luân chuyển, điều động cán bộ"
                if len(batch) > 1
                else (f"Về việc {batch[0].kind == PostingKind.APPOINTMENT and 'bổ nhiệm' or 'luân chuyển'} cán bộ")
            )
            decision = self.decision(batch[0].issuer, first - datetime.timedelta(days=7), summary)
            for move in sorted(batch, key=lambda m: m.start):
                self.record(move, decision)

    def record(self, move: PlannedMove, decision: Decision) -> None:
        posting = services.posting_create(
            actor=self.actor,
            cadre=move.cadre,
            decision=decision,
            dest_unit=move.destination.unit,
            dest_position=move.destination,
            start_date=move.start,
            kind=move.kind,
            purpose=move.purpose,
            origin_position=move.origin,
            origin_unit=move.origin.unit if move.origin else None,
            is_primary=move.is_primary,
            overrides=move.overrides,
            reason=REASON,
        )
        self.result.postings += 1
        if move.end:
            services.posting_end(
                actor=self.actor,
                posting=posting,
                actual_end=move.end,
                outcome=move.outcome,
                overrides=move.end_overrides,
                reason=REASON,
            )

    # --- The scenario ---

    def build(self) -> DemoResult:
        province = self.province_bodies()
        districts = {code: self.district_bodies(code) for code in self.districts}
        self.seed_people(province, districts)
        self.province_district_moves(province, districts)
        self.binh_gia(districts[BINH_GIA])
        self.city_department_heads(districts[TP_LANG_SON])
        self.other_district_moves(districts)
        self.after_2020(districts)
        self.after_reorganisation(province)
        self.users(province, districts)
        return self.result

    def seed_people(self, province: dict[str, Unit], districts: dict[int, dict[str, Unit]]) -> None:
        """The people the articles name, with the moves they describe (dates the articles omit are assumed)."""
        loc_binh, huu_lung, city, binh_gia = (districts[c] for c in (LOC_BINH, HUU_LUNG, TP_LANG_SON, BINH_GIA))
        tu_doan = self.commune_bodies(self.commune(LOC_BINH, "Xã Tú Đoạn"))
        hoa_son = self.commune_bodies(self.commune(HUU_LUNG, "Xã Hòa Sơn"))
        chi_lang_ward = self.commune_bodies(self.commune(TP_LANG_SON, "Phường Chi Lăng"))
        thien_thuat = self.commune_bodies(self.commune(BINH_GIA, "Xã Thiện Thuật"))
        labour = self.body(
            UnitKind.BOARD, "Phòng Lao động, Thương binh, Xã hội – Dân tộc huyện Lộc Bình", self.districts[LOC_BINH]
        )

        def named(full_name, born, unit, sex="male", ethnicity="Tày", **extra):
            person = self.people.person()
            person.full_name, person.date_of_birth, person.sex, person.ethnicity = full_name, born, sex, ethnicity
            return self.cadre(person, unit=unit, **extra)

        cuong = named("Nông Minh Cường", D(1978, 4, 12), tu_doan["party"], ethnicity="Nùng")
        long_ = named("Lý Hoàng Long", D(1980, 9, 3), hoa_son["party"])
        truong = named(
            "Nguyễn Công Trưởng",
            D(1973, 2, 16),
            city["committee"],
            ethnicity="Kinh",
            category=ManagementCategory.BTV_TU,
        )
        tlt = named("Trần Lệnh Trưởng", D(1979, 11, 8), chi_lang_ward["party"], ethnicity="Kinh")
        duy = named("Nông Ngọc Duy", D(1986, 6, 21), binh_gia["organisation"])
        for cadre, title, unit in [
            (cuong, "Bí thư", None),
            (long_, "Bí thư", None),
            (tlt, "Bí thư", None),
            (duy, "Bí thư", None),
            (truong, "Bí thư", city["committee"]),
        ]:
            self.plan(cadre, title, unit, D(2016, 6, 1))
        self.binh_gia_movers = [duy]
        self.city_heads = [tlt]
        moves = [
            PlannedMove(
                cuong,
                loc_binh["committee"],
                self.position("Trưởng phòng", labour),
                self.position("Bí thư", tu_doan["party"]),
                D(2018, 3, 15),
                end=D(2021, 3, 20),
                outcome=PostingOutcome.STABILISED,
            ),
            PlannedMove(
                long_,
                huu_lung["committee"],
                self.position("Phó Trưởng ban", huu_lung["organisation"]),
                self.position("Bí thư", hoa_son["party"]),
                D(2019, 4, 10),
                end=D(2022, 4, 15),
                outcome=PostingOutcome.STABILISED,
            ),
            PlannedMove(
                truong,
                province["committee"],
                self.position("Phó Chủ tịch UBND", province["ubnd"]),
                self.position("Bí thư", city["committee"]),
                D(2020, 6, 15),
            ),
            PlannedMove(
                tlt,
                city["committee"],
                self.position("Trưởng phòng", city["Phòng Nội vụ"]),
                self.position("Bí thư", chi_lang_ward["party"]),
                D(2017, 7, 10),
                end=D(2020, 7, 15),
                outcome=PostingOutcome.STABILISED,
            ),
            PlannedMove(
                duy,
                binh_gia["committee"],
                self.position("Bí thư Đoàn", binh_gia["youth"]),
                self.position("Bí thư", thien_thuat["party"]),
                D(2017, 2, 10),
                end=D(2018, 12, 14),
                outcome=PostingOutcome.NEW_POST,
                end_overrides=[
                    services.OverrideRequest(
                        "R-DURATION",
                        "Luân chuyển về huyện giữ chức Phó Trưởng Ban Tổ chức Huyện ủy theo yêu "
                        "cầu công tác cán bộ của Ban Thường vụ Huyện ủy Bình Gia.",
                    )
                ],
            ),
        ]
        self.carry_out(moves)
        # December 2018: Nông Ngọc Duy comes back to the district (commune -> district), a higher post.
        self.carry_out(
            [
                PlannedMove(
                    duy,
                    binh_gia["committee"],
                    self.position("Bí thư", thien_thuat["party"]),
                    self.position("Phó Trưởng ban", binh_gia["organisation"]),
                    D(2018, 12, 15),
                    purpose=PostingPurpose.OTHER,
                    overrides=[
                        services.OverrideRequest(
                            "R-EQUIVALENT",
                            "Cán bộ trẻ có năng lực nổi trội sau thời gian luân chuyển ở cơ sở.",
                            "Kế hoạch 39-KH/HU ngày 11/4/2017",
                        )
                    ],
                )
            ]
        )
        # Mid-2018: elected Chủ tịch UBND phường Chi Lăng as well (a concurrent post, not a rotation).
        self.carry_out(
            [
                PlannedMove(
                    tlt,
                    city["committee"],
                    None,
                    self.position("Chủ tịch UBND", chi_lang_ward["ubnd"]),
                    D(2018, 6, 20),
                    kind=PostingKind.APPOINTMENT,
                    purpose=PostingPurpose.OTHER,
                    is_primary=False,
                    end=D(2020, 7, 15),
                    outcome=PostingOutcome.NEW_POST,
                )
            ]
        )
        # People the articles quote, in the posts they held then (appointments, not rotations).
        others = [
            (
                "Trịnh Tiến Duy",
                D(1972, 5, 30),
                "Phó Trưởng ban thường trực",
                province["organisation"],
                province["committee"],
                ManagementCategory.BTV_TU,
                "male",
                D(2020, 11, 2),
            ),
            (
                "Hoàng Thị Thanh Phương",
                D(1977, 8, 14),
                "Phó Trưởng ban",
                city["organisation"],
                city["committee"],
                ManagementCategory.BTV_HU,
                "female",
                D(2019, 5, 6),
            ),
            (
                "Phạm Đức Huân",
                D(1974, 1, 25),
                "Phó Bí thư thường trực",
                city["committee"],
                province["committee"],
                ManagementCategory.BTV_TU,
                "male",
                D(2020, 10, 20),
            ),
            (
                "Nguyễn Trung Kiên",
                D(1975, 12, 2),
                "Phó Bí thư thường trực",
                binh_gia["committee"],
                province["committee"],
                ManagementCategory.BTV_TU,
                "male",
                D(2020, 10, 20),
            ),
        ]
        appointments = []
        for name, born, title, unit, issuer, category, sex, start in others:
            cadre = named(name, born, unit, sex=sex, ethnicity="Tày", category=category)
            appointments.append(
                PlannedMove(
                    cadre,
                    issuer,
                    None,
                    self.position(title, unit),
                    start,
                    kind=PostingKind.APPOINTMENT,
                    purpose=PostingPurpose.OTHER,
                )
            )
            if unit.parent_id == self.districts[BINH_GIA].pk:
                self.binh_gia_movers.append(cadre)  # counted among Bình Gia's leaders
        self.carry_out(appointments)

    def _key_post(self, commune: Unit, index: int) -> Position:
        title, body = KEY_COMMUNE_POSTS[index % len(KEY_COMMUNE_POSTS)]
        return self.position(title, self.commune_bodies(commune)[body])

    def _start(self, index: int, count: int, first: D = FIRST_START, last: D = LAST_START) -> D:
        """Spread `count` start dates evenly over [first, last]."""
        span = (last - first).days
        return first + datetime.timedelta(days=span * index // max(count - 1, 1))

    def _rotation(
        self, cadre: Cadre, issuer: Unit, origin: Position, destination: Position, start: D, **extra
    ) -> PlannedMove:
        """A training rotation with its planning record, ended after its 36 months (+ a few days)."""
        self.plan(cadre, destination.title.name, None, start - datetime.timedelta(days=30))
        end = add_months(start, 36) + datetime.timedelta(days=3 + cadre.pk % 40)
        outcome = [PostingOutcome.RETURNED, PostingOutcome.NEW_POST, PostingOutcome.STABILISED][cadre.pk % 3]
        if end > D(2025, 6, 30):
            end = None  # still in force when the districts ended; see after_2020
        return PlannedMove(cadre, issuer, origin, destination, start, end=end, outcome=outcome if end else "", **extra)

    def province_district_moves(self, province: dict[str, Unit], districts: dict[int, dict[str, Unit]]) -> None:
        """10 generated moves between province and district (with Nguyễn Công Trưởng's: the article's 11)."""
        moves = []
        codes = [CAO_LOC, VAN_QUAN, BAC_SON, DINH_LAP, TRANG_DINH, VAN_LANG, CHI_LANG, LOC_BINH, HUU_LUNG, CAO_LOC]
        for index, code in enumerate(codes):
            start = self._start(index, len(codes), D(2016, 5, 1), D(2020, 8, 1))
            district = districts[code]
            if index < 6:  # province -> district
                origin = self.position("Phó Giám đốc sở", province[PROVINCE_DEPARTMENTS[index % 4]])
                title = "Phó Bí thư" if index % 2 else "Chủ tịch UBND"
                destination = self.position(title, district["committee" if index % 2 else "ubnd"])
                cadre = self.cadre(unit=destination.unit, category=ManagementCategory.BTV_TU)
                moves.append(self._rotation(cadre, province["committee"], origin, destination, start))
            else:  # district -> province: a higher post, allowed as an outstanding case
                origin = self.position("Phó Bí thư", district["committee"])
                destination = self.position("Phó Giám đốc sở", province[PROVINCE_DEPARTMENTS[index % 4]])
                cadre = self.cadre(unit=destination.unit, category=ManagementCategory.BTV_TU)
                moves.append(
                    self._rotation(
                        cadre,
                        province["committee"],
                        origin,
                        destination,
                        start,
                        overrides=[
                            services.OverrideRequest(
                                "R-EQUIVALENT",
                                "Cán bộ có năng lực nổi trội, được Ban Thường vụ "
                                "Tỉnh ủy đồng ý bố trí chức vụ cao hơn.",
                                "Thông báo 86-TB/TU",
                            )
                        ],
                    )
                )
        self.carry_out(moves)

    def binh_gia(self, bodies: dict[str, Unit]) -> None:
        """13 more moves from Bình Gia's departments to key commune posts (with Nông Ngọc Duy: 14)."""
        communes = [c for c in self.communes_of(BINH_GIA) if c.name != "Xã Thiện Thuật"]
        origins = ["youth", *DISTRICT_DEPARTMENTS]
        moves = []
        for index in range(13):
            origin_key = origins[index % len(origins)]
            title = "Bí thư Đoàn" if origin_key == "youth" else ("Trưởng phòng" if index % 2 else "Phó Trưởng phòng")
            origin = self.position(title, bodies[origin_key])
            destination = self._key_post(communes[index % len(communes)], index)
            cadre = self.cadre(unit=destination.unit)
            self.binh_gia_movers.append(cadre)
            moves.append(self._rotation(cadre, bodies["committee"], origin, destination, self._start(index, 13)))
        self.carry_out(moves)

    def city_department_heads(self, bodies: dict[str, Unit]) -> None:
        """25 more heads of the city's departments to key ward and commune posts (with Trần Lệnh Trưởng: 26)."""
        communes = self.communes_of(TP_LANG_SON)
        moves = []
        for index in range(25):
            title = "Chánh Văn phòng" if DISTRICT_DEPARTMENTS[index % 6].startswith("Văn phòng") else "Trưởng phòng"
            origin = self.position(title, bodies[DISTRICT_DEPARTMENTS[index % 6]])
            destination = self._key_post(communes[index % len(communes)], index)
            cadre = self.cadre(unit=destination.unit)
            self.city_heads.append(cadre)
            moves.append(self._rotation(cadre, bodies["committee"], origin, destination, self._start(index, 25)))
        self.carry_out(moves)

    def other_district_moves(self, districts: dict[int, dict[str, Unit]]) -> None:
        """116 − 13 − 25 = 78 more district -> commune moves elsewhere, so that 2016–2020 totals 132."""
        moves = []
        for index in range(78):
            code = OTHER_DISTRICTS[index % len(OTHER_DISTRICTS)]
            communes = self.communes_of(code)
            commune = communes[index % len(communes)]
            if code == TRANG_DINH and index < len(OTHER_DISTRICTS):
                commune = self.commune(TRANG_DINH, "Thị trấn Thất Khê")  # history the 2025 commune inherits
            origin_key = ["organisation", *DISTRICT_DEPARTMENTS][index % 7]
            origin_title = "Phó Trưởng ban" if origin_key == "organisation" else "Phó Trưởng phòng"
            origin = self.position(origin_title, districts[code][origin_key])
            destination = self._key_post(commune, index)
            cadre = self.cadre(unit=destination.unit)
            moves.append(
                self._rotation(cadre, districts[code]["committee"], origin, destination, self._start(index, 78))
            )
        self.carry_out(moves)

    def after_2020(self, districts: dict[int, dict[str, Unit]]) -> None:
        """20 moves of the 2020–2025 term; those still running on 30/6/2025 end with the districts."""
        moves = []
        for index in range(20):
            code = OTHER_DISTRICTS[(index + 3) % len(OTHER_DISTRICTS)]
            communes = self.communes_of(code)
            origin = self.position("Trưởng phòng", districts[code][DISTRICT_DEPARTMENTS[index % 6]])
            destination = self._key_post(communes[(index * 3) % len(communes)], index)
            cadre = self.cadre(unit=destination.unit)
            move = self._rotation(
                cadre,
                districts[code]["committee"],
                origin,
                destination,
                self._start(index, 20, D(2021, 3, 1), D(2024, 10, 1)),
            )
            if move.end is None:
                move.end, move.outcome = LAST_DISTRICT_DAY, PostingOutcome.OTHER
                move.end_overrides = [
                    services.OverrideRequest(
                        "R-DURATION",
                        "Kết thúc do sắp xếp đơn vị hành chính: cấp huyện kết thúc hoạt động từ 01/7/2025.",
                    )
                ]
            moves.append(move)
        self.carry_out(moves)

    def after_reorganisation(self, province: dict[str, Unit]) -> None:
        """Two province -> commune moves into communes formed on 1/7/2025 (no district level any more)."""
        moves = []
        for index, code in enumerate(["6040", None]):
            communes = Unit.objects.filter(kind=UnitKind.COMMUNE, parent=self.province, scheme="2025")
            commune = communes.get(official_code=code) if code else communes.exclude(official_code="6040").first()
            party = self.body(UnitKind.PARTY_COMMITTEE, f"Đảng ủy {_lower_prefix(commune.name)}", commune, "ĐU")
            origin = self.position("Phó Trưởng ban", province["organisation" if index == 0 else "mass_mobilisation"])
            destination = self.position("Bí thư", party)
            cadre = self.cadre(unit=party, category=ManagementCategory.BTV_TU)
            self.plan(cadre, "Bí thư", party, D(2025, 10, 15))
            moves.append(
                PlannedMove(
                    cadre, province["committee"], origin, destination, D(2025, 10, 20) + datetime.timedelta(days=index)
                )
            )
        self.carry_out(moves)

    # --- Bình Gia's ratings and the demo accounts ---

    def binh_gia_leaders(self, bodies_district: Unit) -> list[Cadre]:
        """251 leaders of Bình Gia: the movers above plus generated people in Bình Gia's bodies."""
        return self.binh_gia_movers

    def evaluations(self) -> None:
        district = self.districts[BINH_GIA]
        bodies = list(Unit.objects.filter(path__startswith=district.path).exclude(kind=UnitKind.COMMUNE))
        leaders = list(self.binh_gia_movers)
        while len(leaders) < 251:
            leaders.append(self.cadre(unit=bodies[len(leaders) % len(bodies)]))
        ratings_2016 = (
            [EvaluationLevel.EXCELLENT] * 58
            + [EvaluationLevel.GOOD] * 173
            + [EvaluationLevel.COMPLETED] * 18
            + [EvaluationLevel.NOT_COMPLETED] * 2
        )  # 231 of 251
        ratings_2020 = [EvaluationLevel.EXCELLENT] * 71 + [EvaluationLevel.GOOD] * 126 + [EvaluationLevel.COMPLETED] * 3
        rows = [Evaluation(cadre=c, year=2016, level=level) for c, level in zip(leaders, ratings_2016, strict=True)]
        rows += [Evaluation(cadre=c, year=2020, level=level) for c, level in zip(leaders, ratings_2020, strict=False)]
        Evaluation.objects.bulk_create(rows)
        self.result.evaluations = len(rows)

    def users(self, province: dict[str, Unit], districts: dict[int, dict[str, Unit]]) -> None:
        self.evaluations()
        that_khe = Unit.objects.get(kind=UnitKind.PARTY_COMMITTEE, parent__official_code="6040", parent__scheme="2025")
        accounts = [
            ("demo_board", Role.BOARD_STAFF, "Cán bộ", "Ban Tổ chức", province["organisation"], self.province, None),
            ("demo_leader", Role.LEADER, "Lãnh đạo", "Tỉnh ủy", province["committee"], self.province, None),
            (
                "demo_binhgia",
                Role.UNIT_OFFICE,
                "Văn phòng",
                "Huyện ủy Bình Gia",
                districts[BINH_GIA]["committee"],
                districts[BINH_GIA]["committee"],
                None,
            ),
            (
                "demo_caoloc",
                Role.UNIT_OFFICE,
                "Văn phòng",
                "Huyện ủy Cao Lộc",
                districts[CAO_LOC]["committee"],
                districts[CAO_LOC]["committee"],
                None,
            ),
            (
                "demo_thatkhe",
                Role.UNIT_OFFICE,
                "Văn phòng",
                "Đảng ủy xã Thất Khê",
                that_khe,
                that_khe,
                REORGANISATION_DATE,
            ),
        ]
        for username, role, first, last, office, scope, since in accounts:
            user = User.objects.create_user(
                username,
                password=DEMO_PASSWORD,
                role=role,
                first_name=first,
                last_name=last,
                office_unit=office,
                is_staff=True,
            )
            ScopeAssignment.objects.create(user=user, unit=scope, valid_from=since)
            self.result.users.append(username)
        self.result.users.insert(0, self.actor.username)


def load_demo() -> DemoResult:
    """Load the demo province once. A second call changes nothing and says so."""
    if (
        Cadre.objects.filter(personal_id=MARKER_PERSONAL_ID).exists()
        or User.objects.filter(username="demo_admin").exists()
    ):
        raise DemoAlreadyLoaded("Dữ liệu mẫu tỉnh Lạng Sơn đã được nạp trước đó; không thay đổi gì.")
    load_reference_data(province_codes={PROVINCE_CODE})
    with transaction.atomic(), audit_context(reason=REASON):
        actor = User.objects.create_user(
            "demo_admin",
            password=DEMO_PASSWORD,
            role=Role.ADMIN,
            is_staff=True,
            is_superuser=True,
            first_name="Quản trị",
            last_name="hệ thống",
        )
        with audit_context(actor=actor):
            return DemoProvince(actor).build()
