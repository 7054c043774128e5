"""The rules a posting is checked against (design §4, domain §1.6, docs/rules.md).

Each rule is a small function registered under its code. It receives a `RuleContext` (the
posting, unsaved or saved, with its decision, cadre, units and positions; the rule set in force
on the decision date; and that rule's setting) and returns `Finding`s. Whether a rule runs, and
whether its findings block (E) or warn (W), comes from the `RuleSetting` rows, not from here:
thresholds are data, so a province can change them.

Messages are whole Vietnamese sentences that name the field and the limit, so the form, the
import preview and the API can show them as they are.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q

from cadres.models import PlanningRecord
from cadres.retirement import add_months, format_months, retirement_date, whole_months_between
from postings.directions import Direction, derive_direction, directions_valid_on, territory_of
from postings.models import (
    OCCUPYING_STATUSES,
    Decision,
    Posting,
    PostingPurpose,
    PostingStatus,
    RuleKind,
    RuleSet,
)
from rotation_registry.common.documents import DOCUMENT_NUMBER_MESSAGE, DOCUMENT_NUMBER_PATTERN, clean_symbol
from rotation_registry.common.formatting import format_date
from rotation_registry.common.vietnamese import search_key
from units.models import REORGANISATION_DATE, Level, Term, TermKind, Unit, UnitLineage, rank_at

# --- Findings and context ---


@dataclass(frozen=True)
class Finding:
    """One problem with a posting: which rule, how serious, next to which form field, in what words."""

    code: str
    kind: str  # RuleKind.ERROR ("E") or RuleKind.WARNING ("W")
    field: str
    message: str
    # For warnings: the override must cite the special decision that allows it.
    requires_decision_reference: bool = False

    @property
    def is_error(self) -> bool:
        return self.kind == RuleKind.ERROR


@dataclass
class RuleContext:
    posting: Posting
    rule_set: RuleSet
    setting: object  # postings.models.RuleSetting

    @property
    def params(self) -> dict:
        return self.setting.params or {}

    @property
    def day(self) -> datetime.date:
        """The decision date: rules are judged as of the day the decision was signed."""
        return self.posting.decision.date

    def finding(self, field: str, message: str, *, cite: bool = True) -> Finding:
        """A finding with this rule's kind; policy messages end with the rule set they come from."""
        text = f"{message} ({self.rule_set.name})." if cite else message
        return Finding(
            code=self.setting.rule_code,
            kind=self.setting.kind,
            field=field,
            message=text,
            requires_decision_reference=bool(self.setting.requires_decision_reference),
        )


Rule = Callable[[RuleContext], list[Finding]]
RULES: dict[str, Rule] = {}


def rule(code: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        RULES[code] = func
        return func

    return register


def _quoted(text: str) -> str:
    return f"“{text}”"


# --- Rule sets ---


def rule_set_for(day: datetime.date) -> RuleSet:
    """The rule set in force on a day (the decision date). Raises RuleSet.DoesNotExist if none."""
    rule_set = (
        RuleSet.objects.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .prefetch_related("settings")
        .first()
    )
    if rule_set is None:
        raise RuleSet.DoesNotExist(f"Không có bộ quy tắc nào áp dụng cho ngày {format_date(day)}.")
    return rule_set


def evaluate_posting(posting: Posting, *, only: Iterable[str] | None = None) -> list[Finding]:
    """Run every rule that is not "off" in the rule set in force on the decision date.

    `only` restricts the run to some codes (ending a posting re-checks the dates, not the whole
    file). A setting may name the posting kinds it applies to in params["kinds"].
    """
    rule_set = rule_set_for(posting.decision.date)
    settings = {setting.rule_code: setting for setting in rule_set.settings.all()}
    wanted = set(only) if only is not None else None
    findings: list[Finding] = []
    for code, check in RULES.items():
        setting = settings.get(code)
        if setting is None or setting.kind == RuleKind.OFF:
            continue
        if wanted is not None and code not in wanted:
            continue
        kinds = (setting.params or {}).get("kinds")
        if kinds and posting.kind not in kinds:
            continue
        findings.extend(check(RuleContext(posting=posting, rule_set=rule_set, setting=setting)))
    return findings


# --- Data integrity (E in every rule set) ---


@rule("R-DATES")
def check_dates(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    found = []
    start = format_date(p.start_date)
    if p.start_date < ctx.day:
        message = f"Ngày bắt đầu {start} trước ngày ký quyết định {p.decision.symbol} ({format_date(ctx.day)})."
        found.append(ctx.finding("start_date", message, cite=False))
    if p.planned_end is not None and p.planned_end <= p.start_date:
        message = f"Ngày kết thúc dự kiến {format_date(p.planned_end)} phải sau ngày bắt đầu {start}."
        found.append(ctx.finding("planned_end", message, cite=False))
    if p.actual_end is not None and p.actual_end < p.start_date:
        message = f"Ngày kết thúc thực tế {format_date(p.actual_end)} không được trước ngày bắt đầu {start}."
        found.append(ctx.finding("actual_end", message, cite=False))
    if p.status == PostingStatus.ENDED and p.actual_end is None:
        message = "Luân chuyển đã kết thúc phải có ngày kết thúc thực tế."
        found.append(ctx.finding("actual_end", message, cite=False))
    return found


def _validity(unit: Unit) -> str:
    if unit.valid_from and unit.valid_to:
        return f"hiệu lực từ {format_date(unit.valid_from)} đến {format_date(unit.valid_to)}"
    if unit.valid_from:
        return f"hiệu lực từ {format_date(unit.valid_from)}"
    return f"hiệu lực đến {format_date(unit.valid_to)}"


_UNIT_FIELDS = (
    ("origin_unit", "origin_position", "nơi đi"),
    ("dest_unit", "dest_position", "nơi đến"),
)


@rule("R-UNIT-EXISTS")
def check_units_exist(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    found = []
    for unit_field, position_field, label in _UNIT_FIELDS:
        unit: Unit | None = getattr(p, unit_field)
        position = getattr(p, position_field)
        if unit is None:
            continue
        name = _quoted(unit.name)
        if not unit.is_valid_on(ctx.day):
            message = f"Đơn vị {label} {name} không tồn tại vào ngày ký quyết định {format_date(ctx.day)}"
            found.append(ctx.finding(unit_field, f"{message} ({_validity(unit)}).", cite=False))
        elif unit.level == Level.DISTRICT and ctx.day >= REORGANISATION_DATE:
            message = (
                f"Đơn vị {label} {name} là đơn vị cấp huyện; từ {format_date(REORGANISATION_DATE)} không còn cấp huyện."
            )
            found.append(ctx.finding(unit_field, message, cite=False))
        if position is not None and position.unit_id != unit.pk:
            message = f"Vị trí {label} {_quoted(str(position))} không thuộc đơn vị {label} {name}."
            found.append(ctx.finding(position_field, message, cite=False))
    return found


@rule("R-DIRECTION")
def check_direction(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    expected = derive_direction(p.origin_unit, p.dest_unit)
    label = _quoted(Direction(expected).label)
    if p.direction != expected:
        stored = Direction(p.direction).label if p.direction in Direction.values else p.direction or "(trống)"
        message = (
            f"Hướng luân chuyển ghi là {_quoted(stored)} nhưng theo cấp của đơn vị nơi đi và nơi đến phải là {label}."
        )
        return [ctx.finding("dest_unit", message, cite=False)]
    if expected not in directions_valid_on(ctx.day):
        why = ""
        if ctx.day >= REORGANISATION_DATE:
            why = f" (từ {format_date(REORGANISATION_DATE)} không còn cấp huyện)"
        message = f"Hướng luân chuyển {label} không dùng được cho quyết định ngày {format_date(ctx.day)}{why}."
        return [ctx.finding("dest_unit", message, cite=False)]
    return []


def overlapping_primary_postings(posting: Posting):
    """Other primary postings of the cadre, in force or ended, whose [start, actual end) meets this one's."""
    if posting.actual_end is not None and posting.actual_end <= posting.start_date:
        return Posting.objects.none()  # an empty range overlaps nothing (as in PostgreSQL)
    others = (
        Posting.objects.filter(cadre_id=posting.cadre_id, is_primary=True, status__in=OCCUPYING_STATUSES)
        .exclude(pk=posting.pk)
        .filter(Q(actual_end__isnull=True) | Q(actual_end__gt=posting.start_date))
    )
    if posting.actual_end is not None:
        others = others.filter(start_date__lt=posting.actual_end)
    return others.order_by("start_date")


@rule("R-OVERLAP")
def check_overlap(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    if not p.is_primary or p.status not in OCCUPYING_STATUSES:
        return []
    found = []
    for other in overlapping_primary_postings(p):
        until = f"đến {format_date(other.actual_end)}" if other.actual_end else "chưa kết thúc"
        message = (
            f"Cán bộ đã có chức vụ chính {_quoted(f'{other.dest_title_name} {other.dest_unit_name}')} từ "
            f"{format_date(other.start_date)} ({until}), trùng thời gian với luân chuyển này; hãy kết thúc "
            "luân chuyển đó trước hoặc ghi luân chuyển này là kiêm nhiệm."
        )
        found.append(ctx.finding("start_date", message, cite=False))
    return found


def document_number_errors(
    *, symbol: str, day: datetime.date | None, issuing_unit: Unit | None, exclude_pk: int | None = None
) -> list[str]:
    """Why a decision number is not acceptable: its form, a missing congress term, or a duplicate in the term.

    The issuer is the issuing body, not its abbreviation: every Huyện ủy signs "/HU".
    """
    symbol = clean_symbol(symbol)
    match = re.fullmatch(DOCUMENT_NUMBER_PATTERN, symbol)
    if match is None:
        return [f"Số, ký hiệu {_quoted(symbol)} không đúng mẫu. {DOCUMENT_NUMBER_MESSAGE}"]
    if day is None:
        return []
    term = Term.congress_term_on(day)
    if term is None:
        return [
            f"Không có nhiệm kỳ đại hội nào chứa ngày {format_date(day)}, nên không kiểm tra được số, "
            f"ký hiệu {_quoted(symbol)} (số văn bản được đánh lại từ đầu mỗi nhiệm kỳ)."
        ]
    number, rest = symbol.split("-", 1)
    doc_type = rest.split("/", 1)[0]
    duplicate = (
        Decision.objects.filter(number=int(number), doc_type=doc_type, congress_term=term)
        .filter(issuing_unit=issuing_unit)
        .exclude(pk=exclude_pk)
        .first()
    )
    if duplicate is not None:
        return [
            f"Số, ký hiệu {_quoted(symbol)} đã được dùng cho quyết định {duplicate.symbol} ngày "
            f"{format_date(duplicate.date)} trong nhiệm kỳ {term.name}; mỗi số chỉ dùng một lần "
            "cho cùng cơ quan, cùng loại văn bản trong một nhiệm kỳ."
        ]
    return []


@rule("R-DOCNUMBER")
def check_document_number(ctx: RuleContext) -> list[Finding]:
    decision = ctx.posting.decision
    errors = document_number_errors(
        symbol=decision.symbol, day=decision.date, issuing_unit=decision.issuing_unit, exclude_pk=decision.pk
    )
    return [ctx.finding("decision", message, cite=False) for message in errors]


# --- Policy rules (W or off, by rule set) ---


@rule("R-DURATION")
def check_duration(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    minimum = int(ctx.params.get("min_months", 36))
    earliest_end = add_months(p.start_date, minimum)
    found = []
    if p.planned_end is not None and p.planned_end < earliest_end:
        months = whole_months_between(p.start_date, p.planned_end)
        message = f"Thời gian luân chuyển dự kiến {months} tháng, ít hơn tối thiểu {minimum} tháng"
        found.append(ctx.finding("planned_months", message))
    if p.actual_end is not None and p.actual_end < earliest_end:
        months = whole_months_between(p.start_date, p.actual_end)
        message = (
            f"Luân chuyển kết thúc ngày {format_date(p.actual_end)}, sau {months} tháng, "
            f"sớm hơn thời gian tối thiểu {minimum} tháng"
        )
        found.append(ctx.finding("actual_end", message))
    return found


@rule("R-REMAINING")
def check_remaining_working_time(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    cadre = p.cadre
    years = int(ctx.params.get("min_years", 10))
    reduced_for = ctx.params.get("reduced_for_purposes", [])
    purpose_note = ""
    if p.purpose in reduced_for and "reduced_years" in ctx.params:
        years = int(ctx.params["reduced_years"])
        purpose_note = f" đối với luân chuyển với mục đích {PostingPurpose(p.purpose).label.lower()}"
    retires = retirement_date(date_of_birth=cadre.date_of_birth, sex=cadre.sex)
    if retires >= add_months(p.start_date, years * 12):
        return []
    left = whole_months_between(p.start_date, retires)
    message = (
        f"Cán bộ còn {format_months(left)} công tác tính từ ngày bắt đầu {format_date(p.start_date)} "
        f"(đến tuổi nghỉ hưu tháng {retires.month}/{retires.year} theo Nghị định 135/2020/NĐ-CP), "
        f"ít hơn tối thiểu {years} năm{purpose_note}"
    )
    return [ctx.finding("cadre", message)]


@rule("R-PLANNING")
def check_planning(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    if p.purpose not in ctx.params.get("purposes", [PostingPurpose.TRAINING]):
        return []
    in_pool = (
        PlanningRecord.objects.filter(cadre_id=p.cadre_id, valid_from__lte=ctx.day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=ctx.day))
        .exists()
    )
    if in_pool:
        return []
    message = (
        f"Cán bộ không có quy hoạch còn hiệu lực vào ngày ký quyết định {format_date(ctx.day)}; luân chuyển "
        "để đào tạo, rèn luyện thực tiễn chỉ áp dụng với cán bộ trong quy hoạch"
    )
    return [ctx.finding("cadre", message)]


@rule("R-EQUIVALENT")
def check_equivalent_post(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    if p.origin_position is None or p.dest_position is None:
        return []
    origin_unit = p.origin_unit or p.origin_position.unit
    dest_unit = p.dest_unit or p.dest_position.unit
    if rank_at(p.dest_position.title, dest_unit) <= rank_at(p.origin_position.title, origin_unit):
        return []
    destination = _quoted(f"{p.dest_position.title.name} {dest_unit.name}")
    origin = _quoted(f"{p.origin_position.title.name} {origin_unit.name}")
    message = (
        f"Chức vụ nơi đến {destination} cao hơn chức vụ nơi đi {origin}; luân chuyển phải sang chức vụ "
        "tương đương, bố trí chức vụ cao hơn chỉ dành cho cán bộ có năng lực nổi trội"
    )
    return [ctx.finding("dest_position", message)]


def holders_on(position, day: datetime.date, *, exclude_pk: int | None = None) -> int:
    """How many recorded postings (primary or concurrent) hold a position on a day."""
    return (
        Posting.objects.filter(dest_position=position, status__in=OCCUPYING_STATUSES, start_date__lte=day)
        .filter(Q(actual_end__isnull=True) | Q(actual_end__gt=day))
        .exclude(pk=exclude_pk)
        .count()
    )


@rule("R-QUOTA")
def check_quota(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    position = p.dest_position
    if position is None or position.quota is None:
        return []
    holders = holders_on(position, p.start_date, exclude_pk=p.pk)
    if holders + 1 <= position.quota:
        return []
    message = (
        f"Vị trí {_quoted(str(position))} đã có {holders} người đảm nhiệm vào ngày {format_date(p.start_date)}, "
        f"thêm cán bộ này là {holders + 1}, vượt số lượng theo quy định {position.quota} "
        "(tăng thêm chức danh)"
    )
    return [ctx.finding("dest_position", message)]


def _with_successors(unit: Unit) -> list[Unit]:
    """A unit and, transitively, the units that succeeded it (a home commune merged in 2025 lives on)."""
    found = [unit]
    seen = {unit.pk}
    frontier = {unit.pk}
    while frontier:
        successors = list(UnitLineage.objects.filter(predecessor_id__in=frontier).select_related("successor"))
        frontier = {link.successor_id for link in successors} - seen
        seen |= frontier
        found.extend(link.successor for link in successors if link.successor_id in frontier)
    return found


@rule("R-NONLOCAL")
def check_non_local(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    title = p.dest_position.title if p.dest_position is not None else None
    if title is None or not title.requires_non_local:
        return []
    levels_from = ctx.params.get("levels_from")
    if levels_from is not None:
        if p.dest_unit.level not in levels_from:
            return []
        since = levels_from[p.dest_unit.level]
        if since and ctx.day < datetime.date.fromisoformat(since):
            return []
    territory = territory_of(p.dest_unit) or p.dest_unit
    cadre = p.cadre
    for label, place in (("quê quán", cadre.home_town_unit), ("nơi sinh", cadre.birthplace_unit)):
        if place is None:
            continue
        for candidate in _with_successors(place):
            if candidate.path.startswith(territory.path):
                relation = "thuộc" if candidate.pk != territory.pk else "là"
            elif territory.path.startswith(candidate.path):
                relation = "bao gồm"  # recorded at a coarser level: cannot rule out a local person
            else:
                continue
            via = f" (nay là {candidate.name})" if candidate.pk != place.pk else ""
            message = (
                f"Chức danh {_quoted(title.name)} tại {_quoted(p.dest_unit.name)} phải bố trí cán bộ không "
                f"là người địa phương, nhưng {label} của cán bộ ({place.name}{via}) {relation} "
                f"{territory.name}"
            )
            return [ctx.finding("dest_position", message)]
    return []


def _terms_held(terms: list[Term], start: datetime.date, end: datetime.date) -> set[int]:
    """Indexes of the congress terms a holding counts in: the one it starts in, and each it is held into."""
    held = set()
    for index, term in enumerate(terms):
        if term.start <= start <= term.end or start < term.start < end:
            held.add(index)
    return held


@rule("R-TWO-TERMS")
def check_two_terms(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    title = p.dest_position.title if p.dest_position is not None else None
    if title is None or not title.is_head:
        return []
    terms = list(Term.objects.filter(kind=TermKind.CONGRESS).order_by("start"))
    if not terms:
        return []
    maximum = int(ctx.params.get("max_terms", 2))
    this = _terms_held(terms, p.start_date, p.actual_end or p.planned_end or p.start_date)
    held = set(this)
    earlier = (
        Posting.objects.filter(cadre_id=p.cadre_id, dest_unit_id=p.dest_unit_id)
        .filter(status__in=OCCUPYING_STATUSES)
        .exclude(pk=p.pk)
        .select_related("dest_position")
    )
    for other in earlier:
        same_title = (other.dest_position is not None and other.dest_position.title_id == title.pk) or (
            search_key(other.dest_title_name) == title.name_key
        )
        if same_title:
            # An earlier holding with no end recorded is taken to last until this posting starts.
            end = other.actual_end or other.planned_end or p.start_date
            held |= _terms_held(terms, other.start_date, end)
    # The longest run of consecutive terms that includes a term of this posting.
    longest: list[int] = []
    for index in this:
        low, high = index, index
        while low - 1 in held:
            low -= 1
        while high + 1 in held:
            high += 1
        if high - low + 1 > len(longest):
            longest = list(range(low, high + 1))
    if len(longest) <= maximum:
        return []
    names = ", ".join(terms[i].name for i in longest)
    message = (
        f"Cán bộ sẽ giữ chức danh cấp trưởng {_quoted(title.name)} tại {_quoted(p.dest_unit.name)} "
        f"{len(longest)} nhiệm kỳ liên tiếp ({names}), quá tối đa {maximum} nhiệm kỳ"
    )
    return [ctx.finding("dest_position", message)]
