"""The figures a unit's quarterly report starts from, computed from the registry, and what changed since.

`prefill(user=, unit=, year=, quarter=)` returns plain JSON (the shape below). A draft shows it fresh
each time it is opened; submitting freezes it as the report's snapshot, whose `fingerprint` is the
hash of exactly this JSON, so the same registry gives the same fingerprint and a frozen snapshot can
be compared with today's figures (`changes_since`).

What is counted (docs/quarterly-reports.md):

* the unit's territory: a Huyện ủy / Thành ủy / Đảng ủy xã reports on its district or commune and
  everything in it (the reach a scope on the committee has, accounts.scopes); a committee directly
  under the province reports on itself and what is under it;
* rotations (luân chuyển, in force or ended, primary post: the statistics' counting rules) from or
  to a unit of the territory, in three columns by direction: *started* in the quarter (start date in
  it: the Biểu 11 figure), *ended* in it (actual end date in it), *in force* at some day of it
  (started by its last day, not ended before its first);
* the statistics engine's Biểu 11 (started in the quarter, by direction with its "of which" rows),
  purposes, post groups and "on rotation" at the quarter's last day (reports.statistics.engine);
* the name list: every rotation in force in the quarter (so those started and ended too), with the
  names and posts as written on the decisions.

Every row read goes through `Posting.objects.visible_to(user)` (the one scoping rule); whoever may
open the report sees the whole territory, so the figures do not depend on who opens it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Count, Q

from accounts.scopes import unit_in, units_under
from postings.directions import Direction
from postings.models import OCCUPYING_STATUSES, Posting, PostingKind
from reports.models import quarter_bounds
from reports.statistics.engine import compute, normalise_parameters
from units.models import LEADING_KINDS, Unit, UnitKind

FIGURES_VERSION = 1
ENGINE_SECTIONS = ["form11", "by_purpose", "by_post_group", "on_rotation"]
# The columns of the movements table, in order; adjustments name a cell as "<column>:<row>".
COLUMNS = (
    ("started", "Bắt đầu luân chuyển trong quý"),
    ("ended", "Kết thúc luân chuyển trong quý"),
    ("in_force", "Đang luân chuyển trong quý"),
)
COLUMN_LABELS = dict(COLUMNS)
TOTAL_ROW = "total"
TOTAL_LABEL = "Tổng số"
DIRECTION_ORDER = {value: index for index, value in enumerate(Direction.values)}
DIRECTION_LABELS = {value: str(label) for value, label in Direction.choices}


def reporting_territory(unit: Unit) -> Unit:
    """What a reporting unit reports on: the district or commune a Huyện ủy / Đảng ủy xã leads; else itself."""
    parent = unit.parent
    if unit.kind in LEADING_KINDS and parent is not None and parent.kind in (UnitKind.DISTRICT, UnitKind.COMMUNE):
        return parent
    return unit


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _name_row(posting: Posting, start: datetime.date, end: datetime.date) -> dict:
    cadre = posting.cadre
    return {
        "posting": posting.pk,
        "full_name": cadre.full_name,
        "birth_year": cadre.date_of_birth.year if cadre.date_of_birth else None,
        "origin_title": posting.origin_title_name,
        "origin_unit": posting.origin_unit_name,
        "dest_title": posting.dest_title_name,
        "dest_unit": posting.dest_unit_name,
        "direction": posting.direction,
        "start": _iso(posting.start_date),
        "planned_end": _iso(posting.planned_end),
        "actual_end": _iso(posting.actual_end),
        "decision": posting.decision.symbol,
        "decision_date": _iso(posting.decision.date),
        "started": posting.start_date >= start,
        "ended": posting.actual_end is not None and posting.actual_end <= end,
    }


def _rotations_in_force(*, user, territory: Unit, start: datetime.date, end: datetime.date):
    units = units_under([territory.path])
    return (
        Posting.objects.visible_to(user)
        .filter(kind=PostingKind.ROTATION, status__in=OCCUPYING_STATUSES, is_primary=True)
        .filter(unit_in("origin_unit", units, indexed=True) | unit_in("dest_unit", units, indexed=True))
        .filter(start_date__lte=end)
        .filter(Q(actual_end__isnull=True) | Q(actual_end__gte=start))
        .select_related("cadre", "decision")
        .only(
            "pk",
            "direction",
            "start_date",
            "planned_end",
            "actual_end",
            "origin_title_name",
            "origin_unit_name",
            "dest_title_name",
            "dest_unit_name",
            "cadre__full_name",
            "cadre__date_of_birth",
            "decision__symbol",
            "decision__date",
        )
        .order_by("start_date", "cadre__full_name", "pk")
    )


def _movements(names: list[dict], form_columns: list[dict]) -> dict:
    """Started / ended / in force by direction: the form's directions for the quarter, then any other met."""
    counts: dict[str, dict[str, int]] = {}
    for row in names:
        cell = counts.setdefault(row["direction"], {"started": 0, "ended": 0, "in_force": 0})
        cell["in_force"] += 1
        cell["started"] += row["started"]
        cell["ended"] += row["ended"]
    keys = [column["key"] for column in form_columns]
    keys += sorted((key for key in counts if key not in keys), key=lambda key: DIRECTION_ORDER.get(key, 99))
    empty = {"started": 0, "ended": 0, "in_force": 0}
    rows = [{"key": key, "label": DIRECTION_LABELS.get(key, key), **counts.get(key, empty)} for key in keys]
    total = {name: sum(cell[name] for cell in counts.values()) for name, _ in COLUMNS}
    return {
        "columns": [{"key": key, "label": label} for key, label in COLUMNS],
        "rows": rows,
        "total": {"key": TOTAL_ROW, "label": TOTAL_LABEL, **total},
    }


def movement_counts(*, user, territory: Unit, start: datetime.date, end: datetime.date) -> dict:
    """The movements table of a territory (the province's report), counted in SQL: no name list needed.

    The same rows and rules as a unit's report (started / ended / in force by direction), one
    aggregate query; the directions are those met, in the form's order.
    """
    rows = (
        _rotations_in_force(user=user, territory=territory, start=start, end=end)
        .order_by()
        .values("direction")
        .annotate(
            in_force=Count("pk"),
            started=Count("pk", filter=Q(start_date__gte=start)),
            ended=Count("pk", filter=Q(actual_end__lte=end)),
        )
    )
    counts = {row["direction"]: row for row in rows}
    keys = sorted(counts, key=lambda key: DIRECTION_ORDER.get(key, 99))
    table = [
        {"key": key, "label": DIRECTION_LABELS.get(key, key), **{c: counts[key][c] for c, _ in COLUMNS}} for key in keys
    ]
    total = {column: sum(row[column] for row in table) for column, _ in COLUMNS}
    return {
        "columns": [{"key": key, "label": label} for key, label in COLUMNS],
        "rows": table,
        "total": {"key": TOTAL_ROW, "label": TOTAL_LABEL, **total},
    }


def prefill(*, user, unit: Unit, year: int, quarter: int) -> dict:
    """The report's figures and name list for the unit's quarter, from the registry as it is now."""
    start, end = quarter_bounds(year, quarter)
    territory = reporting_territory(unit)
    parameters = normalise_parameters({"unit": territory.pk, "start": start, "end": end})
    statistics = compute(parameters, sections=ENGINE_SECTIONS)
    names = [
        _name_row(p, start, end) for p in _rotations_in_force(user=user, territory=territory, start=start, end=end)
    ]
    return {
        "version": FIGURES_VERSION,
        "unit": {"id": unit.pk, "name": unit.name},
        "territory": {"id": territory.pk, "name": territory.name, "qualified_name": territory.qualified_name()},
        "year": year,
        "quarter": quarter,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "movements": _movements(names, statistics["sections"]["form11"]["columns"]),
        "statistics": statistics,
        "names": names,
    }


def fingerprint(figures: dict) -> str:
    """The snapshot's own fingerprint: SHA-256 of its canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- Figures a report may adjust, and the adjusted values ---


def figure_key(column: str, row: str) -> str:
    return f"{column}:{row}"


def figure_choices(figures: dict) -> list[tuple[str, str]]:
    """Every cell of the movements table as (key, label): what an adjustment may name."""
    choices = []
    movements = figures["movements"]
    for column, column_label in COLUMNS:
        for row in [movements["total"], *movements["rows"]]:
            choices.append((figure_key(column, row["key"]), f"{column_label} — {row['label']}"))
    return choices


def registry_value(figures: dict, key: str) -> int | None:
    column, _, row_key = key.partition(":")
    if column not in COLUMN_LABELS:
        return None
    movements = figures["movements"]
    for row in [movements["total"], *movements["rows"]]:
        if row["key"] == row_key:
            return row[column]
    return None


@dataclass
class Cell:
    registry: int
    adjustment: int
    key: str

    @property
    def reported(self) -> int:
        return self.registry + self.adjustment


@dataclass
class MovementRow:
    key: str
    label: str
    cells: list[Cell]
    is_total: bool = False


def movement_table(figures: dict, adjustments: list[dict]) -> list[MovementRow]:
    """The movements table with each cell's registry value, adjustment and reported value (total first)."""
    deltas: dict[str, int] = {}
    for adjustment in adjustments or []:
        deltas[adjustment["figure"]] = deltas.get(adjustment["figure"], 0) + int(adjustment["delta"])
    movements = figures["movements"]
    table = []
    for row in [movements["total"], *movements["rows"]]:
        cells = [
            Cell(registry=row[column], adjustment=deltas.get(figure_key(column, row["key"]), 0), key=column)
            for column, _ in COLUMNS
        ]
        table.append(MovementRow(key=row["key"], label=row["label"], cells=cells, is_total=row["key"] == TOTAL_ROW))
    return table


def reported_totals(figures: dict, adjustments: list[dict]) -> dict[str, int]:
    """The total row as reported (registry + adjustments), per column."""
    total = movement_table(figures, adjustments)[0]
    return {cell.key: cell.reported for cell in total.cells}


# --- What changed in the registry since a snapshot ---


NAME_FIELDS = ("full_name", "origin_title", "origin_unit", "dest_title", "dest_unit", "start", "actual_end", "decision")


@dataclass
class Changes:
    figures: list[dict] = field(default_factory=list)  # {"label", "column", "before", "now"}
    added: list[dict] = field(default_factory=list)  # name rows in the registry now, not in the snapshot
    removed: list[dict] = field(default_factory=list)  # name rows in the snapshot, no longer in the registry
    changed: list[tuple[dict, dict]] = field(default_factory=list)  # (snapshot row, row now)

    @property
    def any(self) -> bool:
        return bool(self.figures or self.added or self.removed or self.changed)


def changes_since(snapshot: dict, now: dict) -> Changes:
    """Figures whose value moved, and rotations added to, removed from or changed in the name list."""
    changes = Changes()
    before_rows = {row["key"]: row for row in [snapshot["movements"]["total"], *snapshot["movements"]["rows"]]}
    now_rows = {row["key"]: row for row in [now["movements"]["total"], *now["movements"]["rows"]]}
    for key in [*before_rows, *(k for k in now_rows if k not in before_rows)]:
        before, current = before_rows.get(key), now_rows.get(key)
        label = (before or current)["label"]
        for column, column_label in COLUMNS:
            old, new = (before or {}).get(column, 0), (current or {}).get(column, 0)
            if old != new:
                changes.figures.append({"label": label, "column": column_label, "before": old, "now": new})
    old_names = {row["posting"]: row for row in snapshot["names"]}
    new_names = {row["posting"]: row for row in now["names"]}
    changes.added = [row for pk, row in new_names.items() if pk not in old_names]
    changes.removed = [row for pk, row in old_names.items() if pk not in new_names]
    changes.changed = [
        (old_names[pk], row)
        for pk, row in new_names.items()
        if pk in old_names and any(old_names[pk].get(name) != row.get(name) for name in NAME_FIELDS)
    ]
    return changes
