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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        raise RuleSet.DoesNotExist(_("Không có bộ quy tắc nào áp dụng cho ngày %(date)s.") % {"date": format_date(day)})
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
        message = _("Ngày bắt đầu %(start)s trước ngày ký quyết định %(symbol)s (%(date)s).") % {
            "start": start,
            "symbol": p.decision.symbol,
            "date": format_date(ctx.day),
        }
        found.append(ctx.finding("start_date", message, cite=False))
    if p.planned_end is not None and p.planned_end <= p.start_date:
        message = _("Ngày kết thúc dự kiến %(end)s phải sau ngày bắt đầu %(start)s.") % {
            "end": format_date(p.planned_end),
            "start": start,
        }
        found.append(ctx.finding("planned_end", message, cite=False))
    if p.actual_end is not None and p.actual_end < p.start_date:
        message = _("Ngày kết thúc thực tế %(end)s không được trước ngày bắt đầu %(start)s.") % {
            "end": format_date(p.actual_end),
            "start": start,
        }
        found.append(ctx.finding("actual_end", message, cite=False))
    if p.status == PostingStatus.ENDED and p.actual_end is None:
        message = _("Luân chuyển đã kết thúc phải có ngày kết thúc thực tế.")
        found.append(ctx.finding("actual_end", message, cite=False))
    return found


def _validity(unit: Unit) -> str:
    start, end = format_date(unit.valid_from), format_date(unit.valid_to)
    if unit.valid_from and unit.valid_to:
        return _("hiệu lực từ %(start)s đến %(end)s") % {"start": start, "end": end}
    if unit.valid_from:
        return _("hiệu lực từ %(start)s") % {"start": start}
    return _("hiệu lực đến %(end)s") % {"end": end}


_UNIT_FIELDS = (
    ("origin_unit", "origin_position", gettext_lazy("nơi đi")),
    ("dest_unit", "dest_position", gettext_lazy("nơi đến")),
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
            message = _("Đơn vị %(side)s %(name)s không tồn tại vào ngày ký quyết định %(date)s (%(validity)s).") % {
                "side": label,
                "name": name,
                "date": format_date(ctx.day),
                "validity": _validity(unit),
            }
            found.append(ctx.finding(unit_field, message, cite=False))
        elif unit.level == Level.DISTRICT and ctx.day >= REORGANISATION_DATE:
            message = _("Đơn vị %(side)s %(name)s là đơn vị cấp huyện; từ %(date)s không còn cấp huyện.") % {
                "side": label,
                "name": name,
                "date": format_date(REORGANISATION_DATE),
            }
            found.append(ctx.finding(unit_field, message, cite=False))
        if position is not None and position.unit_id != unit.pk:
            message = _("Vị trí %(side)s %(position)s không thuộc đơn vị %(side)s %(name)s.") % {
                "side": label,
                "position": _quoted(str(position)),
                "name": name,
            }
            found.append(ctx.finding(position_field, message, cite=False))
    return found


@rule("R-DIRECTION")
def check_direction(ctx: RuleContext) -> list[Finding]:
    p = ctx.posting
    expected = derive_direction(p.origin_unit, p.dest_unit)
    label = _quoted(Direction(expected).label)
    if p.direction != expected:
        stored = Direction(p.direction).label if p.direction in Direction.values else p.direction or _("(trống)")
        message = _(
            "Hướng luân chuyển ghi là %(stored)s nhưng theo cấp của đơn vị nơi đi và nơi đến phải là %(expected)s."
        ) % {"stored": _quoted(stored), "expected": label}
        return [ctx.finding("dest_unit", message, cite=False)]
    if expected not in directions_valid_on(ctx.day):
        names = {"direction": label, "date": format_date(ctx.day), "reorganised": format_date(REORGANISATION_DATE)}
        if ctx.day >= REORGANISATION_DATE:
            message = _(
                "Hướng luân chuyển %(direction)s không dùng được cho quyết định ngày %(date)s "
                "(từ %(reorganised)s không còn cấp huyện)."
            )
        else:
            message = _("Hướng luân chuyển %(direction)s không dùng được cho quyết định ngày %(date)s.")
        message %= names
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
        if other.actual_end:
            until = _("đến %(date)s") % {"date": format_date(other.actual_end)}
        else:
            until = _("chưa kết thúc")
        message = _(
            "Cán bộ đã có chức vụ chính %(post)s từ %(start)s (%(until)s), trùng thời gian với luân chuyển này; "
            "hãy kết thúc luân chuyển đó trước hoặc ghi luân chuyển này là kiêm nhiệm."
        ) % {
            "post": _quoted(f"{other.dest_title_name} {other.dest_unit_name}"),
            "start": format_date(other.start_date),
            "until": until,
        }
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
        return [
            _("Số, ký hiệu %(symbol)s không đúng mẫu. %(rule)s")
            % {"symbol": _quoted(symbol), "rule": DOCUMENT_NUMBER_MESSAGE}
        ]
    if day is None:
        return []
    term = Term.congress_term_on(day)
    if term is None:
        return [
            _(
                "Không có nhiệm kỳ đại hội nào chứa ngày %(date)s, nên không kiểm tra được số, "
                "ký hiệu %(symbol)s (số văn bản được đánh lại từ đầu mỗi nhiệm kỳ)."
            )
            % {"date": format_date(day), "symbol": _quoted(symbol)}
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
            _(
                "Số, ký hiệu %(symbol)s đã được dùng cho quyết định %(other)s ngày %(date)s trong nhiệm kỳ "
                "%(term)s; mỗi số chỉ dùng một lần cho cùng cơ quan, cùng loại văn bản trong một nhiệm kỳ."
            )
            % {
                "symbol": _quoted(symbol),
                "other": duplicate.symbol,
                "date": format_date(duplicate.date),
                "term": term.name,
            }
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
        message = _("Thời gian luân chuyển dự kiến %(months)s tháng, ít hơn tối thiểu %(minimum)s tháng") % {
            "months": months,
            "minimum": minimum,
        }
        found.append(ctx.finding("planned_months", message))
    if p.actual_end is not None and p.actual_end < earliest_end:
        months = whole_months_between(p.start_date, p.actual_end)
        message = _(
            "Luân chuyển kết thúc ngày %(end)s, sau %(months)s tháng, sớm hơn thời gian tối thiểu %(minimum)s tháng"
        ) % {"end": format_date(p.actual_end), "months": months, "minimum": minimum}
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
        purpose_note = _(" đối với luân chuyển với mục đích %(purpose)s") % {
            "purpose": PostingPurpose(p.purpose).label.lower()
        }
    retires = retirement_date(date_of_birth=cadre.date_of_birth, sex=cadre.sex)
    if retires >= add_months(p.start_date, years * 12):
        return []
    left = whole_months_between(p.start_date, retires)
    message = _(
        "Cán bộ còn %(left)s công tác tính từ ngày bắt đầu %(start)s (đến tuổi nghỉ hưu tháng %(month)s/%(year)s "
        "theo Nghị định 135/2020/NĐ-CP), ít hơn tối thiểu %(minimum)s năm%(purpose_note)s"
    ) % {
        "left": format_months(left),
        "start": format_date(p.start_date),
        "month": retires.month,
        "year": retires.year,
        "minimum": years,
        "purpose_note": purpose_note,
    }
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
    message = _(
        "Cán bộ không có quy hoạch còn hiệu lực vào ngày ký quyết định %(date)s; luân chuyển "
        "để đào tạo, rèn luyện thực tiễn chỉ áp dụng với cán bộ trong quy hoạch"
    ) % {"date": format_date(ctx.day)}
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
    message = _(
        "Chức vụ nơi đến %(destination)s cao hơn chức vụ nơi đi %(origin)s; luân chuyển phải sang chức vụ "
        "tương đương, bố trí chức vụ cao hơn chỉ dành cho cán bộ có năng lực nổi trội"
    ) % {"destination": destination, "origin": origin}
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
    message = _(
        "Vị trí %(position)s đã có %(holders)s người đảm nhiệm vào ngày %(date)s, "
        "thêm cán bộ này là %(total)s, vượt số lượng theo quy định %(quota)s "
        "(tăng thêm chức danh)"
    ) % {
        "position": _quoted(str(position)),
        "holders": holders,
        "date": format_date(p.start_date),
        "total": holders + 1,
        "quota": position.quota,
    }
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
    for label, place in ((_("quê quán"), cadre.home_town_unit), (_("nơi sinh"), cadre.birthplace_unit)):
        if place is None:
            continue
        for candidate in _with_successors(place):
            if candidate.path.startswith(territory.path):
                relation = _("thuộc") if candidate.pk != territory.pk else _("là")
            elif territory.path.startswith(candidate.path):
                relation = _("bao gồm")  # recorded at a coarser level: cannot rule out a local person
            else:
                continue
            via = _(" (nay là %(name)s)") % {"name": candidate.name} if candidate.pk != place.pk else ""
            message = _(
                "Chức danh %(title)s tại %(unit)s phải bố trí cán bộ không là người địa phương, nhưng %(place_kind)s "
                "của cán bộ (%(place)s%(via)s) %(relation)s %(territory)s"
            ) % {
                "title": _quoted(title.name),
                "unit": _quoted(p.dest_unit.name),
                "place_kind": label,
                "place": place.name,
                "via": via,
                "relation": relation,
                "territory": territory.name,
            }
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
    message = _(
        "Cán bộ sẽ giữ chức danh cấp trưởng %(title)s tại %(unit)s %(count)s nhiệm kỳ liên tiếp (%(terms)s), "
        "quá tối đa %(maximum)s nhiệm kỳ"
    ) % {
        "title": _quoted(title.name),
        "unit": _quoted(p.dest_unit.name),
        "count": len(longest),
        "terms": names,
        "maximum": maximum,
    }
    return [ctx.finding("dest_position", message)]
