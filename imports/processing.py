"""What each row of an import does: matched by natural keys, checked, and (on commit) written.

The same code runs for the dry-run preview and for the commit, so the preview shows exactly what
the commit will do:

* cadres are checked with the model's own validation (Cadre.full_clean, its constraints) and
  written in bulk: creating 20,000 cadres one `cadre_create` at a time costs about 7 ms each
  (2 min 15 s), far over the 30 s goal; the bulk write keeps the audit (pghistory triggers fire on
  every row, inside the import's audit context);
* decisions and postings go through postings.services (decision_create/update, posting_create,
  posting_update, posting_end), so every rotation rule and override applies as in the forms; the
  dry run writes inside a transaction and rolls it back.

Messages name the sheet row and column: "Dòng 7, cột “Ngày sinh”: …".
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from cadres.models import Cadre
from imports.columns import COLUMNS, CellError, Column, match_headers
from imports.matching import CadreIndex, TitleResolver, UnitResolver, cadre_label, identity_name
from imports.models import ImportBatch, ImportKind, RowStatus
from postings import services as posting_services
from postings.models import Decision, DecisionStatus, Posting, PostingStatus, RuleKind
from postings.rules import RULES
from rotation_registry.common.documents import clean_symbol
from rotation_registry.common.formatting import format_date

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None] | None
INVALID = object()  # a cell that could not be read (its error is already recorded)


# --- Row results ---


@dataclass
class Message:
    column: str | None
    level: str  # "error", "warning" or "note"
    text: str

    def as_dict(self) -> dict:
        return {"column": self.column, "level": self.level, "text": self.text}


@dataclass
class RowResult:
    row: int
    status: str = ""
    label: str = ""
    messages: list[Message] = field(default_factory=list)

    def error(self, column: str | None, text: str) -> None:
        self.messages.append(Message(column, "error", text))

    def warning(self, column: str | None, text: str) -> None:
        self.messages.append(Message(column, "warning", text))

    def note(self, column: str | None, text: str) -> None:
        self.messages.append(Message(column, "note", text))

    @property
    def has_errors(self) -> bool:
        return any(m.level == "error" for m in self.messages)

    @property
    def has_warnings(self) -> bool:
        return any(m.level == "warning" for m in self.messages)

    def finish(self, status: str) -> None:
        if self.has_errors:
            self.status = RowStatus.ERROR
        elif self.has_warnings:
            self.status = RowStatus.WARNING
        else:
            self.status = status

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "status": self.status,
            "label": self.label,
            "messages": [m.as_dict() for m in self.messages],
        }


class RowValues:
    """One sheet row read through the column definitions; unreadable cells become errors on the result."""

    def __init__(self, kind: str, positions: dict[str, int], number: int, cells: list, result: RowResult):
        self.kind = kind
        self.columns = {c.key: c for c in COLUMNS[kind]}
        self.positions = positions
        self.number = number
        self.cells = cells
        self.result = result
        self.values: dict[str, object] = {}
        for key, column in self.columns.items():
            self.values[key] = self._read(column)

    def raw(self, key: str) -> str | None:
        index = self.positions.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def _read(self, column: Column):
        try:
            value = column.parse(self.raw(column.key))
        except CellError as exc:
            self.result.error(column.header, str(exc))
            return INVALID
        if value is None and column.required:
            self.result.error(column.header, f"Chưa ghi {column.header.lower()} (cột bắt buộc).")
            return INVALID
        return value

    def get(self, key: str):
        value = self.values.get(key)
        return None if value is INVALID else value

    def given(self, key: str) -> bool:
        """The cell holds a readable value (empty cells leave stored values as they are)."""
        return self.values.get(key) not in (None, INVALID)

    def header(self, key: str) -> str:
        return self.columns[key].header


def _service_errors(result: RowResult, exc: ValidationError, columns: dict[str, str]) -> None:
    """A service's ValidationError as row errors, each next to the column its field comes from."""
    if hasattr(exc, "error_dict"):
        for field_name, messages in exc.message_dict.items():
            column = columns.get(field_name) if field_name != NON_FIELD_ERRORS else None
            for message in messages:
                result.error(column, message)
    else:
        for message in exc.messages:
            result.error(None, message)


def _summary(results: list[RowResult]) -> dict[str, int]:
    summary = {status: 0 for status in RowStatus.values}
    for result in results:
        summary[result.status] = summary.get(result.status, 0) + 1
    return summary


@dataclass
class Outcome:
    results: list[RowResult]
    wrote: bool

    @property
    def summary(self) -> dict[str, int]:
        return _summary(self.results)

    @property
    def blocking(self) -> int:
        return sum(1 for r in self.results if r.status in (RowStatus.ERROR, RowStatus.WARNING))


def _report(progress: Progress, done: int, total: int, every: int = 200) -> None:
    if progress is not None and (done % every == 0 or done == total):
        progress(done, total)


# --- Cadres ---

CADRE_CONSTRAINT_COLUMNS = {
    "cadre_birth_plausible": "date_of_birth",
    "cadre_party_entry_after_birth": "party_entry_date",
}
# Fields set from the sheet; the rest of Cadre (keys for search and sort) follows from them in save().
CADRE_SHEET_FIELDS = [c.key for c in COLUMNS[ImportKind.CADRES] if c.key != "unit"]
# Validated from the dictionaries loaded up front, not by a query per row.
CADRE_CLEAN_EXCLUDE = ["unit", "birthplace_unit", "home_town_unit", "search_key", "sort_key"]


def _constraint_message(name: str) -> str:
    return next(str(c.violation_error_message) for c in Cadre._meta.constraints if c.name == name)


def _display(column: Column, value) -> str:
    if value in (None, ""):
        return "(trống)"
    if isinstance(value, datetime.date):
        return format_date(value)
    if column.kind == "choice":
        return dict(column.choices).get(value, str(value))
    return str(value)


def _prepare(cadre: Cadre) -> None:
    """The normalisation Cadre.save() applies (NFC names, search and sort keys), for the bulk write."""
    cadre.normalise()


def _cadre_checks(cadre: Cadre, values: RowValues, result: RowResult) -> None:
    """The model's field validation and its table constraints, without a query per row."""
    try:
        cadre.full_clean(exclude=CADRE_CLEAN_EXCLUDE, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            column = values.columns.get(field_name)
            for message in messages:
                result.error(column.header if column else None, message)
    if cadre.date_of_birth and cadre.date_of_birth < datetime.date(1900, 1, 1):
        result.error(values.header("date_of_birth"), _constraint_message("cadre_birth_plausible"))
    if cadre.party_entry_date and cadre.date_of_birth and cadre.party_entry_date <= cadre.date_of_birth:
        result.error(values.header("party_entry_date"), _constraint_message("cadre_party_entry_after_birth"))


def process_cadres(*, batch: ImportBatch, actor, write: bool, progress: Progress = None) -> Outcome:
    """Match each row to a cadre (personal id, else name and date of birth), validate, and write in bulk."""
    kind = ImportKind.CADRES
    positions = match_headers(kind, batch.headers).positions
    units = UnitResolver(actor)
    total = len(batch.rows)
    parsed: list[RowValues] = []
    # Progress: reading the rows is the first half of the work, matching and checking the second.
    for done, (number, cells) in enumerate(batch.rows, start=1):
        _report(progress, done, 2 * total)
        values = RowValues(kind, positions, number, cells, RowResult(row=number))
        name, born = values.get("full_name"), values.get("date_of_birth")
        values.result.label = f"{name or '—'} ({format_date(born)})"
        if values.given("unit"):
            try:
                values.values["unit"] = units.resolve_pk(values.get("unit"), None, what="Đơn vị công tác")
            except CellError as exc:
                values.result.error(values.header("unit"), str(exc))
                values.values["unit"] = INVALID
        parsed.append(values)
    index = CadreIndex(
        personal_ids={v.get("personal_id") for v in parsed if v.given("personal_id")},
        names={
            (v.get("full_name"), v.get("date_of_birth"))
            for v in parsed
            if v.given("full_name") and v.given("date_of_birth")
        },
        lock=write,
    )
    claimed: dict[int, int] = {}  # existing cadre pk -> first row
    new_by_id: dict[str, int] = {}
    new_by_name: dict[tuple[str, datetime.date], tuple[int, str]] = {}
    creates: list[Cadre] = []
    updates: list[tuple[Cadre, set[str]]] = []
    to_check_scope: dict[int, RowResult] = {}
    results = []
    for done, values in enumerate(parsed, start=1):
        result = values.result
        results.append(result)
        _report(progress, total + done, 2 * total)
        if result.has_errors:
            result.finish(RowStatus.ERROR)
            continue
        target = _match_cadre(values, index, result)
        if result.has_errors:
            result.finish(RowStatus.ERROR)
            continue
        if target is None:
            cadre = _new_cadre(values, result, new_by_id, new_by_name)
            if cadre is not None:
                _cadre_checks(cadre, values, result)
                creates.append(cadre)
            result.finish(RowStatus.NEW)
            continue
        if target.pk in claimed:
            result.error(values.header("full_name"), f"Cùng một cán bộ với dòng {claimed[target.pk]}.")
            result.finish(RowStatus.ERROR)
            continue
        claimed[target.pk] = values.number
        changed = _apply_changes(target, values, units, result, index)
        if "personal_id" in changed:
            if target.personal_id in new_by_id:
                message = f"Mã cán bộ {target.personal_id} đã có ở dòng {new_by_id[target.personal_id]}."
                result.error(values.header("personal_id"), message)
            new_by_id.setdefault(target.personal_id, values.number)
        if not changed:
            result.finish(RowStatus.UNCHANGED)
            continue
        _prepare(target)
        _cadre_checks(target, values, result)
        updates.append((target, changed))
        to_check_scope[target.pk] = result
        result.finish(RowStatus.UPDATE)
    if to_check_scope:
        visible = set(Cadre.objects.visible_to(actor).filter(pk__in=to_check_scope).values_list("pk", flat=True))
        for pk, result in to_check_scope.items():
            if pk not in visible:
                result.error(None, "Cán bộ này đã có trong sổ nhưng ngoài phạm vi của anh/chị nên không sửa được.")
                result.finish(RowStatus.ERROR)
    outcome = Outcome(results=results, wrote=False)
    if write and not outcome.blocking:
        _write_cadres(creates, updates)
        outcome.wrote = True
    return outcome


def _match_cadre(values: RowValues, index: CadreIndex, result: RowResult) -> Cadre | None:
    personal_id = values.get("personal_id")
    name, born = values.get("full_name"), values.get("date_of_birth")
    same_person = index.by_name_and_birth(name, born)
    if personal_id:
        found = index.by_id.get(personal_id)
        if found is not None:
            return found
        without_id = [c for c in same_person if not c.personal_id]
        if len(without_id) == 1:
            result.note(values.header("personal_id"), f"Ghi mã cán bộ {personal_id} cho cán bộ đã có trong sổ.")
            return without_id[0]
        if len(without_id) > 1:
            listed = "; ".join(cadre_label(c) for c in without_id)
            result.error(values.header("full_name"), f"Có {len(without_id)} cán bộ cùng họ tên, ngày sinh: {listed}.")
            return None
        if same_person:
            listed = "; ".join(cadre_label(c) for c in same_person)
            result.note(
                values.header("personal_id"),
                f"Trong sổ đã có cán bộ cùng họ tên và ngày sinh nhưng khác mã ({listed}); dòng này được thêm "
                "thành một người khác.",
            )
        return None
    if len(same_person) > 1:
        listed = "; ".join(cadre_label(c) for c in same_person)
        result.error(
            values.header("full_name"),
            f"Có {len(same_person)} cán bộ cùng họ tên và ngày sinh: {listed}. "
            "Hãy ghi cột “Mã cán bộ” để chỉ rõ người.",
        )
        return None
    return same_person[0] if same_person else None


def _new_cadre(values: RowValues, result: RowResult, new_by_id: dict, new_by_name: dict) -> Cadre | None:
    personal_id = values.get("personal_id") or ""
    key = (identity_name(values.get("full_name")), values.get("date_of_birth"))
    if personal_id and personal_id in new_by_id:
        result.error(values.header("personal_id"), f"Mã cán bộ {personal_id} đã có ở dòng {new_by_id[personal_id]}.")
        return None
    if key in new_by_name and (not personal_id or not new_by_name[key][1]):
        result.error(
            values.header("full_name"),
            f"Trùng họ tên và ngày sinh với dòng {new_by_name[key][0]}; "
            "nếu là hai người, hãy ghi mã cán bộ cho cả hai.",
        )
        return None
    if personal_id:
        new_by_id[personal_id] = values.number
    new_by_name.setdefault(key, (values.number, personal_id))
    data = {name: values.get(name) for name in CADRE_SHEET_FIELDS if values.given(name)}
    cadre = Cadre(**data)
    if values.given("unit"):
        cadre.unit_id = values.get("unit")
    _prepare(cadre)
    return cadre


def _apply_changes(cadre: Cadre, values: RowValues, units: UnitResolver, result: RowResult, index) -> set[str]:
    """Set the non-empty cells that differ from the stored cadre; empty cells change nothing."""
    changed: set[str] = set()
    described = []
    for name in CADRE_SHEET_FIELDS:
        if not values.given(name):
            continue
        new, old = values.get(name), getattr(cadre, name)
        if new == old:
            continue
        if name == "personal_id" and new in index.by_id and index.by_id[new].pk != cadre.pk:
            result.error(values.header(name), f"Mã cán bộ {new} đã dùng cho {cadre_label(index.by_id[new])}.")
            continue
        column = values.columns[name]
        described.append(f"{column.header}: {_display(column, old)} → {_display(column, new)}")
        setattr(cadre, name, new)
        changed.add(name)
    if values.given("unit") and values.get("unit") != cadre.unit_id:
        old = units.rows[cadre.unit_id].name if cadre.unit_id in units.rows else "(trống)"
        described.append(f"Đơn vị công tác: {old} → {units.rows[values.get('unit')].name}")
        cadre.unit_id = values.get("unit")
        changed.add("unit")
    if described:
        result.note(None, "Thay đổi: " + "; ".join(described) + ".")
    return changed


def _write_cadres(creates: list[Cadre], updates: list[tuple[Cadre, set[str]]]) -> None:
    if creates:
        Cadre.objects.bulk_create(creates, batch_size=1000)
    if updates:
        fields: set[str] = set()
        for _, changed in updates:
            fields |= changed
        if "full_name" in fields:
            fields |= {"search_key", "sort_key"}
        Cadre.objects.bulk_update([cadre for cadre, _ in updates], sorted(fields), batch_size=500)


# --- Decisions and postings ---

DECISION_FIELD_COLUMNS = {
    "symbol": "symbol",
    "date": "date",
    "issuing_unit": "issuing_unit",
    "signer": "signer",
    "signer_title": "signer_title",
    "summary": "summary",
    "status": "symbol",
    "congress_term": "date",
}
POSTING_FIELD_COLUMNS = {
    "cadre": "full_name",
    "decision": "symbol",
    "kind": "kind",
    "purpose": "purpose",
    "start_date": "start_date",
    "planned_end": "planned_months",
    "planned_months": "planned_months",
    "actual_end": "actual_end",
    "outcome": "outcome",
    "is_primary": "concurrent",
    "dest_unit": "dest_unit",
    "dest_unit_name": "dest_unit",
    "dest_position": "dest_title",
    "dest_title_name": "dest_title",
    "origin_unit": "origin_unit",
    "origin_unit_name": "origin_unit",
    "origin_position": "origin_title",
    "origin_title_name": "origin_title",
    "overrides": "override_reason",
    "status": "start_date",
}
DECISION_TEXT_FIELDS = ("signer", "signer_title", "summary")


def _headers_for(kind: str, field_columns: dict[str, str]) -> dict[str, str]:
    headers = {c.key: c.header for c in COLUMNS[kind]}
    return {name: headers[key] for name, key in field_columns.items()}


@dataclass
class DecisionState:
    """A decision met in the file: its first row, and whether it was created, updated or refused."""

    first_row: int
    decision: Decision | None
    status: str  # RowStatus.NEW / UPDATE / UNCHANGED, or "" when refused
    texts: dict[str, str]


class DecisionImport:
    def __init__(self, *, batch: ImportBatch, actor, progress: Progress):
        self.batch = batch
        self.actor = actor
        self.reason = batch.reason
        self.progress = progress
        self.kind = ImportKind.DECISIONS
        self.positions = match_headers(self.kind, batch.headers).positions
        self.units = UnitResolver(actor)
        self.titles = TitleResolver()
        self.decision_columns = _headers_for(self.kind, DECISION_FIELD_COLUMNS)
        self.posting_columns = _headers_for(self.kind, POSTING_FIELD_COLUMNS)
        self.decisions: dict[tuple[int, str, datetime.date], DecisionState] = {}
        self.postings_seen: dict[tuple, int] = {}

    def run(self, *, write: bool) -> Outcome:
        parsed = []
        for number, cells in self.batch.rows:
            values = RowValues(self.kind, self.positions, number, cells, RowResult(row=number))
            values.result.label = self._label(values)
            parsed.append(values)
        self.cadres = CadreIndex(
            personal_ids={v.get("personal_id") for v in parsed if v.given("personal_id")},
            names={
                (v.get("full_name"), v.get("date_of_birth"))
                for v in parsed
                if v.given("full_name") and v.given("date_of_birth")
            },
        )
        symbols = {clean_symbol(v.get("symbol")) for v in parsed if v.given("symbol")}
        self.existing_decisions = {
            (d.issuing_unit_id, d.symbol, d.date): d for d in Decision.objects.filter(symbol__in=symbols)
        }
        cadre_pks = {c.pk for c in self.cadres.by_id.values()} | {
            c.pk for cadres in self.cadres.by_name.values() for c in cadres
        }
        self.existing_postings = {
            (p.cadre_id, p.decision_id, p.dest_unit_id, p.start_date): p
            for p in Posting.objects.filter(cadre_id__in=cadre_pks).select_related("origin_unit", "dest_unit")
        }
        results = []
        total = len(parsed)
        with transaction.atomic():
            for done, values in enumerate(parsed, start=1):
                self._row(values)
                results.append(values.result)
                _report(self.progress, done, total, every=10)
            outcome = Outcome(results=results, wrote=False)
            if write and not outcome.blocking:
                outcome.wrote = True
            else:
                transaction.set_rollback(True)
        return outcome

    def _label(self, values: RowValues) -> str:
        symbol = values.get("symbol") or "—"
        person = values.get("full_name") or "—"
        destination = " ".join(str(values.get(k)) for k in ("dest_title", "dest_unit") if values.given(k))
        return f"{clean_symbol(symbol)} · {person} → {destination or '—'}"

    # --- One row ---

    def _row(self, values: RowValues) -> None:
        result = values.result
        if result.has_errors:
            result.finish(RowStatus.ERROR)
            return
        state = self._decision(values)
        cadre = self._cadre(values)
        day = values.get("date")
        dest_unit = self._unit(values, "dest_unit", day, "Đơn vị nơi đến")
        origin_unit = self._unit(values, "origin_unit", day, "Đơn vị nơi đi") if values.given("origin_unit") else None
        overrides = self._overrides(values)
        if values.given("actual_end") != values.given("outcome"):
            missing = "outcome" if values.given("actual_end") else "actual_end"
            result.error(values.header(missing), "Ngày kết thúc thực tế và Kết quả phải ghi cùng nhau.")
        if result.has_errors or state is None or state.decision is None:
            result.finish(RowStatus.ERROR)
            return
        key = (cadre.pk, state.decision.pk, dest_unit.pk, values.get("start_date"))
        if key in self.postings_seen:
            result.error(
                None,
                f"Trùng với luân chuyển ở dòng {self.postings_seen[key]} (cùng cán bộ, quyết định, "
                "đơn vị nơi đến và ngày bắt đầu).",
            )
            result.finish(RowStatus.ERROR)
            return
        self.postings_seen[key] = values.number
        existing = self.existing_postings.get(key) if state.status != RowStatus.NEW else None
        if existing is not None:
            posting_status = self._update_posting(values, existing, origin_unit, overrides)
        else:
            posting_status = self._create_posting(values, cadre, state.decision, dest_unit, origin_unit, overrides)
        statuses = {posting_status, state.status}
        if RowStatus.NEW in statuses:
            status = RowStatus.NEW
        elif RowStatus.UPDATE in statuses:
            status = RowStatus.UPDATE
        else:
            status = RowStatus.UNCHANGED
        result.finish(status)

    def _unit(self, values: RowValues, key: str, day, what: str):
        try:
            return self.units.resolve(values.get(key), day, what=what)
        except CellError as exc:
            values.result.error(values.header(key), str(exc))
            return None

    def _decision(self, values: RowValues) -> DecisionState | None:
        result = values.result
        day = values.get("date")
        issuer = self._unit(values, "issuing_unit", day, "Cơ quan ban hành")
        if issuer is None:
            return None
        symbol = clean_symbol(values.get("symbol"))
        texts = {name: values.get(name) for name in DECISION_TEXT_FIELDS if values.given(name)}
        key = (issuer.pk, symbol, day)
        state = self.decisions.get(key)
        if state is not None:
            if state.decision is None:
                result.error(
                    values.header("symbol"), f"Quyết định {symbol} không ghi được (xem dòng {state.first_row})."
                )
                return state
            for name, text in texts.items():
                if state.texts.get(name, text) != text:
                    result.error(
                        values.header(name),
                        f"Khác với dòng {state.first_row} của cùng quyết định {symbol} (“{state.texts[name]}”).",
                    )
            # For this row the decision is as the first row left it: new there, unchanged here.
            return dataclasses.replace(state, status=RowStatus.UNCHANGED if state.status == RowStatus.UNCHANGED else "")
        existing = self.existing_decisions.get(key)
        state = DecisionState(first_row=values.number, decision=None, status="", texts=texts)
        self.decisions[key] = state
        try:
            with transaction.atomic():
                if existing is None:
                    state.decision = posting_services.decision_create(
                        actor=self.actor, symbol=symbol, date=day, issuing_unit=issuer, reason=self.reason, **texts
                    )
                    state.status = RowStatus.NEW
                elif existing.status == DecisionStatus.CANCELLED:
                    result.error(values.header("symbol"), f"Quyết định {symbol} đã bị hủy trong sổ; không nhập thêm.")
                else:
                    changes = {name: text for name, text in texts.items() if getattr(existing, name) != text}
                    if changes:
                        state.decision = posting_services.decision_update(
                            actor=self.actor, decision=existing, changes=changes, reason=self.reason
                        )
                        state.status = RowStatus.UPDATE
                        result.note(
                            None,
                            f"Sửa quyết định {symbol}: "
                            + "; ".join(
                                f"{values.header(n)}: {_display(values.columns[n], getattr(existing, n))} → {t}"
                                for n, t in changes.items()
                            )
                            + ".",
                        )
                    else:
                        state.decision = existing
                        state.status = RowStatus.UNCHANGED
        except ValidationError as exc:
            state.decision = None
            _service_errors(result, exc, self.decision_columns)
        return state

    def _cadre(self, values: RowValues) -> Cadre | None:
        result = values.result
        name, born = values.get("full_name"), values.get("date_of_birth")
        personal_id = values.get("personal_id")
        if personal_id:
            cadre = self.cadres.by_id.get(personal_id)
            if cadre is None:
                result.error(
                    values.header("personal_id"),
                    f"Không có cán bộ mã {personal_id} trong sổ; hãy nhập danh sách cán bộ (mẫu “Danh sách cán bộ”) "
                    "trước.",
                )
                return None
            if identity_name(cadre.full_name) != identity_name(name) or cadre.date_of_birth != born:
                result.error(
                    values.header("personal_id"),
                    f"Mã {personal_id} là của {cadre_label(cadre)}, khác họ tên hoặc ngày sinh ghi ở dòng này.",
                )
                return None
            return cadre
        same = self.cadres.by_name_and_birth(name, born)
        if not same:
            result.error(
                values.header("full_name"),
                f"Chưa có cán bộ {name} (sinh {format_date(born)}) trong sổ; hãy nhập danh sách cán bộ trước.",
            )
            return None
        if len(same) > 1:
            listed = "; ".join(cadre_label(c) for c in same)
            result.error(
                values.header("full_name"),
                f"Có {len(same)} cán bộ cùng họ tên và ngày sinh: {listed}. Hãy ghi cột “Mã cán bộ”.",
            )
            return None
        return same[0]

    def _overrides(self, values: RowValues) -> list[posting_services.OverrideRequest]:
        result = values.result
        codes = values.get("override_codes") or []
        unknown = [code for code in codes if code not in RULES]
        if unknown:
            result.error(
                values.header("override_codes"),
                f"Mã quy tắc không có: {', '.join(unknown)}. Các mã: {', '.join(RULES)}.",
            )
        reason = values.get("override_reason") or ""
        reference = values.get("override_reference") or ""
        if (codes or reference) and not reason:
            result.error(values.header("override_reason"), "Phải ghi lý do trường hợp đặc biệt.")
        if not reason:
            return []
        # Without codes the reason accepts every warning of the row; the preview lists which ones.
        return [
            posting_services.OverrideRequest(rule_code=code, reason=reason, decision_reference=reference)
            for code in (codes or list(RULES))
        ]

    def _position(self, values: RowValues, key: str, unit):
        """The position (title at the unit) when the title is in the catalogue; created if missing."""
        if unit is None or not values.given(key):
            return None
        title = self.titles.title(values.get(key))
        if title is None:
            values.result.note(
                values.header(key),
                f"Chức vụ “{values.get(key)}” không có trong danh mục chức danh: lưu như ghi trên quyết định; "
                "các quy tắc theo chức danh (tương đương, cấp trưởng, số lượng, người địa phương) không kiểm tra "
                "được.",
            )
            return None
        position, created = self.titles.position(title, unit)
        if created:
            values.result.note(values.header(key), f"Thêm vị trí “{title.name} — {unit.name}” vào danh mục vị trí.")
        return position

    def _create_posting(self, values, cadre, decision, dest_unit, origin_unit, overrides) -> str:
        result = values.result
        dest_position = self._position(values, "dest_title", dest_unit)
        origin_position = self._position(values, "origin_title", origin_unit)
        kwargs = {
            "actor": self.actor,
            "cadre": cadre,
            "decision": decision,
            "dest_unit": dest_unit,
            "dest_position": dest_position,
            "dest_title_name": values.get("dest_title"),
            "start_date": values.get("start_date"),
            "origin_unit": origin_unit,
            "origin_position": origin_position,
            "overrides": overrides,
            "reason": self.reason,
        }
        for key, name in (("kind", "kind"), ("purpose", "purpose"), ("planned_months", "planned_months")):
            if values.given(key):
                kwargs[name] = values.get(key)
        if values.given("origin_title"):
            kwargs["origin_title_name"] = values.get("origin_title")
        if values.given("concurrent"):
            kwargs["is_primary"] = not values.get("concurrent")
        try:
            with transaction.atomic():
                posting = posting_services.posting_create(**kwargs)
                if values.given("actual_end"):
                    posting = posting_services.posting_end(
                        actor=self.actor,
                        posting=posting,
                        actual_end=values.get("actual_end"),
                        outcome=values.get("outcome"),
                        overrides=overrides,
                        reason=self.reason,
                    )
        except posting_services.RuleViolation as exc:
            self._findings(values, exc, overrides)
            return ""
        except ValidationError as exc:
            _service_errors(result, exc, self.posting_columns)
            return ""
        self._granted(values, posting)
        return RowStatus.NEW

    def _update_posting(self, values, posting: Posting, origin_unit, overrides) -> str:
        result = values.result
        if posting.status == PostingStatus.CANCELLED:
            result.note(None, "Luân chuyển này đã bị hủy trong sổ; không nhập lại.")
            return RowStatus.UNCHANGED
        changes: dict[str, object] = {}
        wanted = {
            "kind": values.get("kind"),
            "purpose": values.get("purpose"),
            "dest_title_name": values.get("dest_title"),
            "origin_title_name": values.get("origin_title"),
            "planned_months": values.get("planned_months"),
            "actual_end": values.get("actual_end"),
            "outcome": values.get("outcome"),
        }
        for name, value in wanted.items():
            if value is not None and getattr(posting, name) != value:
                changes[name] = value
        if origin_unit is not None and posting.origin_unit_id != origin_unit.pk:
            changes["origin_unit"] = origin_unit
        if values.given("concurrent") and posting.is_primary == values.get("concurrent"):
            changes["is_primary"] = not values.get("concurrent")
        if not changes:
            return RowStatus.UNCHANGED
        described = "; ".join(
            f"{self.posting_columns.get(name, name)}: {_plain(getattr(posting, name))} → {_plain(value)}"
            for name, value in changes.items()
        )
        result.note(None, f"Sửa luân chuyển đã có: {described}.")
        end = None
        if "actual_end" in changes and posting.status == PostingStatus.IN_FORCE:
            end = (changes.pop("actual_end"), changes.pop("outcome", posting.outcome or values.get("outcome")))
        try:
            with transaction.atomic():
                if changes:
                    posting = posting_services.posting_update(
                        actor=self.actor, posting=posting, changes=changes, overrides=overrides, reason=self.reason
                    )
                if end is not None:
                    posting = posting_services.posting_end(
                        actor=self.actor,
                        posting=posting,
                        actual_end=end[0],
                        outcome=end[1],
                        overrides=overrides,
                        reason=self.reason,
                    )
        except posting_services.RuleViolation as exc:
            self._findings(values, exc, overrides)
            return ""
        except ValidationError as exc:
            _service_errors(result, exc, self.posting_columns)
            return ""
        self._granted(values, posting)
        return RowStatus.UPDATE

    def _findings(self, values: RowValues, exc, overrides) -> None:
        """Rule findings: errors as errors; warnings say which column accepts them."""
        result = values.result
        requested = {request.rule_code for request in overrides}
        reason_header = values.header("override_reason")
        reference_header = values.header("override_reference")
        for finding in exc.findings:
            column = self.posting_columns.get(finding.field)
            if finding.kind != RuleKind.WARNING:
                result.error(column, finding.message)
                continue
            if not requested:
                reference = (
                    f" và số quyết định ở cột “{reference_header}”" if finding.requires_decision_reference else ""
                )
                hint = f"Muốn lưu, ghi lý do ở cột “{reason_header}”{reference} (vượt quy định {finding.code})."
            elif finding.code not in requested:
                hint = f"Mã {finding.code} chưa có trong cột “{values.header('override_codes')}”."
            else:
                hint = f"Quy tắc {finding.code} đòi hỏi ghi số quyết định cho phép ở cột “{reference_header}”."
            result.warning(column, f"{finding.message} {hint}")

    def _granted(self, values: RowValues, posting: Posting) -> None:
        for override in posting.overrides.all():
            values.result.note(
                values.header("override_reason"),
                f"Chấp nhận trường hợp đặc biệt, vượt quy định {override.rule_code}: {override.reason}",
            )


def _plain(value) -> str:
    if value in (None, ""):
        return "(trống)"
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return str(value)


def process_decisions(*, batch: ImportBatch, actor, write: bool, progress: Progress = None) -> Outcome:
    return DecisionImport(batch=batch, actor=actor, progress=progress).run(write=write)


PROCESSORS = {ImportKind.CADRES: process_cadres, ImportKind.DECISIONS: process_decisions}
