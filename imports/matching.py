"""Finding what a row names: units and titles by name, cadres by their natural keys. Never by database id.

Everything is loaded once per import into dictionaries, so a row costs dictionary look-ups, not queries.

Units: the name is compared without accents or case (Unit.name_key), NFC-normalised. A name may be
followed by its parent, after a comma ("Xã Chi Lăng, Huyện Tràng Định", also "…, Tràng Định") or in
brackets ("Xã Chi Lăng (Huyện Tràng Định)"); a name that itself contains commas is tried whole first.
Only units valid on the day that matters (the decision date) count. Several candidates is an error
that lists them: the import never guesses.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cadres.models import Cadre
from imports.columns import CellError
from rotation_registry.common.formatting import format_date
from rotation_registry.common.vietnamese import normalize_text, search_key
from units.models import Position, PositionTitle, Unit

_BRACKETED = re.compile(r"^(.*?)\s*\(([^()]+)\)$")
MAX_CANDIDATES_LISTED = 8


def identity_name(full_name: str) -> str:
    """The name as a key: NFC, single spaces, case-folded; accents kept (Hùng and Hưng are two people)."""
    return normalize_text(full_name).casefold()


@dataclass(frozen=True)
class UnitRow:
    """The few fields of a unit the resolver needs (no model instances for thousands of units)."""

    pk: int
    name: str
    name_key: str
    short_key: str
    parent_id: int | None
    official_code: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class UnitResolver:
    def __init__(self, user) -> None:
        fields = ("pk", "name", "name_key", "short_name", "parent_id", "official_code", "valid_from", "valid_to")
        self.rows: dict[int, UnitRow] = {}
        for pk, name, key, short, parent_id, code, start, end in Unit.objects.values_list(*fields):
            self.rows[pk] = UnitRow(pk, name, key, search_key(short), parent_id, code, start, end)
        self.visible = set(Unit.objects.visible_to(user).values_list("pk", flat=True))
        self.by_key: dict[str, list[UnitRow]] = {}
        for row in self.rows.values():
            if row.pk in self.visible:
                self.by_key.setdefault(row.name_key, []).append(row)
        self._instances: dict[int, Unit] = {}
        self._cache: dict[tuple[str, str, datetime.date | None], int | CellError] = {}

    # --- Names and labels ---

    def ancestors(self, row: UnitRow) -> list[UnitRow]:
        found = []
        seen = set()
        parent_id = row.parent_id
        while parent_id is not None and parent_id in self.rows and parent_id not in seen:
            seen.add(parent_id)
            parent = self.rows[parent_id]
            found.append(parent)
            parent_id = parent.parent_id
        return found

    def label(self, row: UnitRow) -> str:
        """'Xã Chi Lăng (Huyện Tràng Định, Tỉnh Lạng Sơn)' plus the validity when it has ended."""
        chain = [a.name for a in self.ancestors(row)[:2]]
        text = f"{row.name} ({', '.join(chain)})" if chain else row.name
        if row.official_code:
            text += f" [mã {row.official_code}]"
        if row.valid_from or row.valid_to:
            text += f", {validity_text(row)}"
        return text

    @staticmethod
    def _same_place(ancestor: UnitRow, qualifier_key: str) -> bool:
        key = ancestor.name_key
        return qualifier_key in (key, ancestor.short_key) or key.endswith(" " + qualifier_key)

    def _qualified(self, row: UnitRow, qualifiers: list[str]) -> bool:
        """Each qualifier names an ancestor, nearest first ("Xã A, Huyện B, Tỉnh C")."""
        chain = self.ancestors(row)
        position = 0
        for qualifier in qualifiers:
            key = search_key(qualifier)
            while position < len(chain) and not self._same_place(chain[position], key):
                position += 1
            if position == len(chain):
                return False
            position += 1
        return True

    def _interpretations(self, text: str) -> list[tuple[str, list[str]]]:
        readings = [(text, [])]
        bracketed = _BRACKETED.match(text)
        if bracketed:
            readings.append((bracketed.group(1), [bracketed.group(2)]))
        parts = [part.strip() for part in text.split(",")]
        for cut in range(1, len(parts)):
            if all(parts[cut:]):
                readings.append((", ".join(parts[:cut]), parts[cut:]))
        return readings

    def candidates(self, text: str) -> list[UnitRow]:
        found: dict[int, UnitRow] = {}
        for name, qualifiers in self._interpretations(text):
            for row in self.by_key.get(search_key(name), []):
                if not qualifiers or self._qualified(row, qualifiers):
                    found[row.pk] = row
        return list(found.values())

    # --- Resolution ---

    def resolve(self, text: str, day: datetime.date | None, *, what: str = "Đơn vị") -> Unit:
        """The one unit the text names on `day` (None: prefer units valid today), or CellError."""
        return self.instance(self.resolve_pk(text, day, what=what))

    def resolve_pk(self, text: str, day: datetime.date | None, *, what: str = "Đơn vị") -> int:
        text = normalize_text(text)
        cache_key = (what, search_key(text), day)
        if cache_key not in self._cache:
            try:
                self._cache[cache_key] = self._resolve(text, day, what)
            except CellError as exc:
                self._cache[cache_key] = exc
        found = self._cache[cache_key]
        if isinstance(found, CellError):
            raise CellError(str(found))
        return found

    def _resolve(self, text: str, day: datetime.date | None, what: str) -> int:
        matches = self.candidates(text)
        if day is not None:
            valid = [row for row in matches if row.is_valid_on(day)]
            if not valid and matches:
                listed = "; ".join(self.label(row) for row in matches[:MAX_CANDIDATES_LISTED])
                raise CellError(f"{what} “{text}” không có hiệu lực vào ngày {format_date(day)}: {listed}.")
        else:
            today = timezone.localdate()
            valid = [row for row in matches if row.is_valid_on(today)] or matches
        if not valid:
            raise CellError(self._not_found(text, what))
        if len(valid) > 1:
            raise CellError(self._ambiguous(text, valid, what))
        return valid[0].pk

    def _not_found(self, text: str, what: str) -> str:
        key = search_key(text.split(",")[0])
        close = sorted(
            {row.name for rows in self.by_key.values() for row in rows if key and (key in row.name_key)},
            key=len,
        )[:3]
        hint = f" Có thể là: {'; '.join(close)}." if close else ""
        return (
            f"Không tìm thấy {what.lower()} “{text}” trong danh mục đơn vị (hoặc đơn vị nằm ngoài phạm vi "
            f"của anh/chị).{hint}"
        )

    def _ambiguous(self, text: str, rows: list[UnitRow], what: str) -> str:
        listed = "; ".join(self.label(row) for row in rows[:MAX_CANDIDATES_LISTED])
        more = f" và {len(rows) - MAX_CANDIDATES_LISTED} đơn vị khác" if len(rows) > MAX_CANDIDATES_LISTED else ""
        first = rows[0]
        parents = self.ancestors(first)
        example = f"{first.name}, {parents[0].name}" if parents else first.name
        return (
            f"{what} “{text}” trùng tên với {len(rows)} đơn vị: {listed}{more}. Hãy ghi thêm đơn vị cấp trên "
            f"sau dấu phẩy, ví dụ “{example}”."
        )

    def instance(self, pk: int) -> Unit:
        if pk not in self._instances:
            self._instances.update({u.pk: u for u in Unit.objects.filter(pk=pk).select_related("parent")})
        return self._instances[pk]


def validity_text(row) -> str:
    if row.valid_from and row.valid_to:
        return f"hiệu lực từ {format_date(row.valid_from)} đến {format_date(row.valid_to)}"
    if row.valid_from:
        return f"hiệu lực từ {format_date(row.valid_from)}"
    if row.valid_to:
        return f"hiệu lực đến {format_date(row.valid_to)}"
    return "còn hiệu lực"


class TitleResolver:
    """Position titles by name (no accents, no case), and the positions (title at a unit) already recorded."""

    def __init__(self) -> None:
        self.by_key = {title.name_key: title for title in PositionTitle.objects.all()}
        self.positions: dict[tuple[int, int], Position] = {
            (p.title_id, p.unit_id): p for p in Position.objects.select_related("title", "unit")
        }

    def title(self, text: str) -> PositionTitle | None:
        return self.by_key.get(search_key(text))

    def position(self, title: PositionTitle, unit: Unit) -> tuple[Position, bool]:
        """The position for a title at a unit, created when missing (True when created)."""
        key = (title.pk, unit.pk)
        if key in self.positions:
            return self.positions[key], False
        position, created = Position.objects.get_or_create(title=title, unit=unit)
        position.title, position.unit = title, unit
        self.positions[key] = position
        return position, created

    def forget(self, created: list[tuple[int, int]]) -> None:
        """Positions created inside a transaction that was rolled back no longer exist."""
        for key in created:
            self.positions.pop(key, None)


_CADRES_BORN_AS = (
    "SELECT c.id FROM cadres_cadre c"
    " JOIN unnest(%s::text[], %s::date[]) AS wanted(key, born) ON c.search_key = wanted.key"
    " AND c.date_of_birth = wanted.born"
)


class CadreIndex:
    """Existing cadres by personal id and by (name, date of birth), limited to the keys a file uses."""

    def __init__(self, *, personal_ids: set[str], names: set[tuple[str, datetime.date]], lock: bool = False):
        self.by_id: dict[str, Cadre] = {}
        self.by_name: dict[tuple[str, datetime.date], list[Cadre]] = {}
        condition = Q(pk__in=[])
        if personal_ids:
            condition |= Q(personal_id__in=personal_ids)
        if names:
            # The (name, date of birth) pairs themselves, not every name crossed with every date: a file of
            # 20,000 new cadres drew 20,300 namesakes born on some other row's birthday (1,4 s per pass).
            pairs = sorted({(search_key(name), day) for name, day in names})
            condition |= Q(pk__in=RawSQL(_CADRES_BORN_AS, [[key for key, _ in pairs], [day for _, day in pairs]]))
        queryset = Cadre.objects.filter(condition).select_related("unit")
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        for cadre in queryset:
            self.add(cadre)

    def add(self, cadre: Cadre) -> None:
        if cadre.personal_id:
            self.by_id[cadre.personal_id] = cadre
        self.by_name.setdefault((identity_name(cadre.full_name), cadre.date_of_birth), []).append(cadre)

    def by_name_and_birth(self, full_name: str, born: datetime.date) -> list[Cadre]:
        return self.by_name.get((identity_name(full_name), born), [])


def cadre_label(cadre: Cadre) -> str:
    id_text = f", mã {cadre.personal_id}" if cadre.personal_id else ""
    return f"{cadre.full_name} (sinh {format_date(cadre.date_of_birth)}{id_text})"
