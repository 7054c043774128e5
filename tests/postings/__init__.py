"""Shared set-up for the posting tests: congress terms, titles, positions and a posting builder.

Kept here rather than in tests/conftest.py; the test modules import `kit_fixture` (the `kit` fixture).
Everything is created with the factories, and reuses catalogue rows (terms) when a migration
already supplies them, so the tests pass with or without units/migrations/0002_catalogues.
"""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass, field

import pytest
from django.apps import apps as django_apps

from cadres.models import Cadre, PlanningRecord, Sex
from cadres.retirement import add_months
from postings.directions import derive_direction
from postings.models import Decision, Posting, PostingKind, PostingPurpose, PostingStatus, RuleSet
from tests.conftest import END_OF_DISTRICTS, World
from tests.factories import (
    CadreFactory,
    DecisionFactory,
    PositionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
)
from units.models import Position, PositionTitle, Term, TermKind, Unit, UnitKind

# One decision date under each rule set (design §4).
RULE_SET_DAYS = {
    "NQ11_KL24": datetime.date(2016, 5, 1),
    "QD98": datetime.date(2019, 5, 1),
    "QD65": datetime.date(2023, 5, 1),
}
SET_CODES = list(RULE_SET_DAYS)

CONGRESS_TERMS = [
    ("2005–2010", datetime.date(2005, 10, 1), datetime.date(2010, 9, 30)),
    ("2010–2015", datetime.date(2010, 10, 1), datetime.date(2015, 9, 30)),
    ("2015–2020", datetime.date(2015, 10, 1), datetime.date(2020, 9, 30)),
    ("2020–2025", datetime.date(2020, 10, 1), datetime.date(2025, 9, 30)),
    ("2025–2030", datetime.date(2025, 10, 1), datetime.date(2030, 9, 30)),
]


def ensure_congress_terms() -> None:
    """Congress terms 2005–2030, reusing any a catalogue migration already created."""
    for name, start, end in CONGRESS_TERMS:
        if not Term.objects.filter(kind=TermKind.CONGRESS, start__lte=end, end__gte=start).exists():
            TermFactory(kind=TermKind.CONGRESS, name=name, start=start, end=end)


def ensure_rule_sets() -> None:
    """The rule sets of postings/migrations/0003 (a transactional test elsewhere may have flushed them)."""
    if not RuleSet.objects.filter(code="QD65").exists():
        migration = importlib.import_module("postings.migrations.0003_rule_sets")
        migration.add_rule_sets(django_apps, None)


def title(name: str, **flags) -> PositionTitle:
    """A title with exactly these flags (test names end in "(thử)" so they never clash with a catalogue)."""
    values = {"is_key": False, "is_head": False, "rank": 0, "requires_non_local": False, **flags}
    found, _ = PositionTitle.objects.update_or_create(name=name, defaults=values)
    return found


@dataclass
class Kit:
    """The world plus titles, positions, an officer and helpers to build postings."""

    world: World
    officer: object
    district_b_committee: Unit
    titles: dict[str, PositionTitle] = field(default_factory=dict)
    _positions: dict[tuple[int, int], Position] = field(default_factory=dict)

    def position(self, title_key: str, unit: Unit, *, quota: int | None = None) -> Position:
        key = (self.titles[title_key].pk, unit.pk)
        if key not in self._positions:
            self._positions[key] = PositionFactory(title=self.titles[title_key], unit=unit, quota=quota)
        elif quota is not None and self._positions[key].quota != quota:
            self._positions[key].quota = quota
            self._positions[key].save()
        return self._positions[key]

    def decision(self, day: datetime.date, **kwargs) -> Decision:
        return DecisionFactory(date=day, issuing_unit=self.world.provincial_committee, **kwargs)

    def cadre(
        self,
        *,
        born: datetime.date = datetime.date(1980, 5, 17),
        sex: str = Sex.MALE,
        planned: bool = True,
        **kwargs,
    ) -> Cadre:
        """A cadre, by default young, male and in the planning pool since 2010."""
        cadre = CadreFactory(date_of_birth=born, sex=sex, **kwargs)
        if planned:
            PlanningRecord.objects.create(
                cadre=cadre,
                target_title=self.titles["bi_thu"],
                term=Term.congress_term_on(datetime.date(2016, 1, 1)),
                decision_reference="01-QĐ/TU",
                valid_from=datetime.date(2010, 1, 1),
            )
        return cadre

    def posting(
        self,
        *,
        day: datetime.date,
        cadre: Cadre | None = None,
        decision: Decision | None = None,
        origin: Position | None = None,
        dest: Position | None = None,
        start: datetime.date | None = None,
        months: int = 36,
        **fields,
    ) -> Posting:
        """An unsaved posting that passes every rule unless told otherwise.

        Default move: Phó Trưởng ban (thử) at the Tỉnh ủy -> Phó Bí thư (thử) at Huyện ủy An (tỉnh về huyện).
        """
        origin = origin if origin is not None else self.position("pho_truong_ban", self.world.provincial_committee)
        dest = dest if dest is not None else self.position("pho_bi_thu", self.world.district_a_committee)
        start = start or day + datetime.timedelta(days=30)
        values = dict(
            cadre=cadre or self.cadre(),
            decision=decision or self.decision(day),
            kind=PostingKind.ROTATION,
            purpose=PostingPurpose.TRAINING,
            origin_position=origin,
            origin_unit=origin.unit,
            origin_unit_name=origin.unit.name,
            origin_title_name=origin.title.name,
            dest_position=dest,
            dest_unit=dest.unit,
            dest_unit_name=dest.unit.name,
            dest_title_name=dest.title.name,
            start_date=start,
            planned_months=months,
            planned_end=add_months(start, months),
            is_primary=True,
            status=PostingStatus.IN_FORCE,
        )
        values.update(fields)
        posting = Posting(**values)
        if "direction" not in fields:
            posting.direction = derive_direction(posting.origin_unit, posting.dest_unit)
        return posting

    def held(
        self,
        *,
        cadre: Cadre,
        dest: Position,
        start: datetime.date,
        end: datetime.date | None,
        is_primary: bool = True,
    ) -> Posting:
        """A saved earlier posting (written directly: it is set-up, not the subject of the test)."""
        decision = self.decision(start)
        status = PostingStatus.ENDED if end else PostingStatus.IN_FORCE
        posting = self.posting(
            day=start,
            cadre=cadre,
            decision=decision,
            dest=dest,
            start=start,
            actual_end=end,
            status=status,
            is_primary=is_primary,
        )
        posting.save()
        return posting


@pytest.fixture(name="kit")
def kit_fixture(world) -> Kit:
    ensure_congress_terms()
    ensure_rule_sets()
    titles = {
        "bi_thu": title("Bí thư (thử)", is_key=True, is_head=True, rank=90, requires_non_local=True),
        "pho_bi_thu": title("Phó Bí thư (thử)", is_key=True, rank=80),
        "pho_truong_ban": title("Phó Trưởng ban (thử)", rank=50),
        "pho_chu_tich": title("Phó Chủ tịch UBND (thử)", rank=60),
        "truong_phong": title("Trưởng phòng (thử)", is_head=True, rank=40),
    }
    district_b_committee = UnitFactory(
        kind=UnitKind.PARTY_COMMITTEE,
        name="Huyện ủy Bình",
        parent=world.district_b,
        abbreviation="HU",
        valid_to=END_OF_DISTRICTS,
    )
    officer = UserFactory(username="canbo_tochuc")
    return Kit(world=world, officer=officer, district_b_committee=district_b_committee, titles=titles)
