"""Writes for plans: one transaction each, audited, refusing to overwrite someone else's change.

* A plan is created as a draft. Its number comes from the register: the next free number of the
  issuing body for Kế hoạch (KH) in the congress term of the plan's date, taken under a PostgreSQL
  advisory lock so that two plans saved at the same moment never get the same number (the unique
  constraint is the last line of defence). A number typed by hand (an old plan entered from paper)
  is checked against the same register.
* A draft may be changed (its targets and planned cadres with it); issuing it freezes it. An issued
  plan is changed only by an amendment: a new draft, with its own number, linked to the version it
  amends (version + 1). After issue, only the link from a planned cadre to the posting that carried
  the plan out may still be recorded.
* The sections are stored as sanitised HTML (rotation_registry.common.pdf): paragraphs, bold,
  italic, lists; everything else is stripped or kept as text.

Every write runs inside `audit_context(actor=..., reason=...)`; the pghistory triggers record it.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.models import Cadre
from plans.models import FROZEN_MESSAGE, Plan, PlanEntry, PlanStatus, PlanTarget
from postings.models import Posting
from postings.selectors import primary_posting_on
from rotation_registry.common.audit import audit_context
from rotation_registry.common.concurrency import STALE_MESSAGE, row_version
from rotation_registry.common.documents import DOCUMENT_NUMBER_MESSAGE, DOCUMENT_NUMBER_PATTERN, clean_symbol
from rotation_registry.common.formatting import format_date
from rotation_registry.common.pdf import text_to_document_html
from rotation_registry.common.signals import registry_changed
from rotation_registry.common.validation import (
    CONSTRAINT_FIELDS,
    CONSTRAINT_MESSAGES,
    full_clean_in_vietnamese,
    save_or_explain,
)
from rotation_registry.common.vietnamese import normalize_text
from units.models import Level, PositionTitle, Term, Unit, UnitKind

PLAN_DOC_TYPE = "KH"
SECTION_FIELDS = ("purpose_section", "content_section", "organisation_section")
# Single-line text: NFC, single spaces. Multi-line text: NFC per line, blank lines dropped.
LINE_FIELDS = ("title", "superior_body", "issuing_body", "place", "signing_authority", "signer_title", "signer_name")
MULTILINE_FIELDS = ("legal_bases", "preamble", "recipients")
PLAN_FIELDS = (
    "symbol",
    "date",
    "issuing_unit",
    "period",
    *LINE_FIELDS,
    *MULTILINE_FIELDS,
    *SECTION_FIELDS,
)
# A Party committee is a collective: its secretary and deputies sign "T/M", never "K/T" (domain §2.3).
COMMITTEE_SIGNERS = ("BÍ THƯ", "PHÓ BÍ THƯ", "PHÓ BÍ THƯ THƯỜNG TRỰC")

CONSTRAINT_FIELDS.update(
    {
        "plans_plan_symbol_format": "symbol",
        "plans_plan_number_unique_per_term": "symbol",
        "plan_target_positive": "count",
        "plan_entry_once_per_cadre": "cadre",
        "plan_amended_once": NON_FIELD_ERRORS,
    }
)
CONSTRAINT_MESSAGES.update({"plan_issued_is_frozen": FROZEN_MESSAGE})


@dataclass
class TargetRow:
    """A target as a form gives it: `id` of an existing row (None: a new one); `delete` removes it."""

    count: int
    direction: str = ""
    dest_unit: Unit | None = None
    dest_title: PositionTitle | None = None
    id: int | None = None
    delete: bool = False


@dataclass
class EntryRow:
    """A planned cadre as a form gives it: `id` of an existing row (None: a new one); `delete` removes it."""

    cadre: Cadre
    dest_unit: Unit | None = None
    dest_title: PositionTitle | None = None
    current_post: str = ""
    id: int | None = None
    delete: bool = False


# --- Header lines and the number register ---


def _place_name(unit: Unit | None) -> str:
    """'Lạng Sơn' for Tỉnh Lạng Sơn, 'Cao Lộc' for Huyện Cao Lộc: the territory without its kind."""
    while unit is not None and unit.kind not in (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE):
        unit = unit.parent
    if unit is None:
        return ""
    name = unit.name
    for prefix in ("Thành phố ", "Thị xã ", "Thị trấn ", "Tỉnh ", "Huyện ", "Quận ", "Xã ", "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def header_defaults(unit: Unit | None) -> dict[str, str]:
    """The header lines a plan of `unit` usually prints: superior body, issuing body, place.

    A Tỉnh ủy prints no superior body (it sits under the Central Committee); a Huyện ủy prints
    "ĐẢNG BỘ TỈNH …" above itself; a board of a committee prints the committee above itself.
    """
    if unit is None:
        return {"superior_body": "", "issuing_body": "", "place": ""}
    superior = ""
    parent = unit.parent
    if unit.kind == UnitKind.PARTY_COMMITTEE and unit.level != Level.PROVINCE and parent is not None:
        province = parent
        while province is not None and province.kind != UnitKind.PROVINCE:
            province = province.parent
        if province is not None:
            superior = f"ĐẢNG BỘ {province.name}".upper()
    elif unit.kind != UnitKind.PARTY_COMMITTEE and parent is not None and parent.kind == UnitKind.PARTY_COMMITTEE:
        superior = parent.name.upper()
    return {"superior_body": superior, "issuing_body": unit.name.upper(), "place": _place_name(unit)}


def _register_lock_key(issuing_unit: Unit, doc_type: str, term: Term) -> int:
    digest = hashlib.sha256(f"document-number:{issuing_unit.pk}:{doc_type}:{term.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_register(*, issuing_unit: Unit, doc_type: str, term: Term) -> None:
    """Hold the register of (issuer, type, term) until the transaction ends: numbering is one at a time.

    A transaction-level advisory lock, so a second plan waits until the first is committed (or rolled
    back) and then sees its number: READ COMMITTED takes a new snapshot for each statement.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_register_lock_key(issuing_unit, doc_type, term)])


def next_free_number(
    *, issuing_unit: Unit, day: datetime.date, doc_type: str = PLAN_DOC_TYPE, exclude_pk: int | None = None
) -> int:
    """The number the register gives next: one more than the highest of the issuer, type and term."""
    term = Term.congress_term_on(day)
    highest = (
        Plan.objects.filter(issuing_unit=issuing_unit, doc_type=doc_type, congress_term=term)
        .exclude(pk=exclude_pk)
        .aggregate(highest=Max("number"))
        .get("highest")
    )
    return (highest or 0) + 1


def suggested_symbol(*, issuing_unit: Unit | None, day: datetime.date | None) -> str:
    """What the form shows as the next number (not reserved: the register assigns it when saved)."""
    if issuing_unit is None or day is None or not issuing_unit.abbreviation or Term.congress_term_on(day) is None:
        return ""
    return f"{next_free_number(issuing_unit=issuing_unit, day=day):02d}-{PLAN_DOC_TYPE}/{issuing_unit.abbreviation}"


# --- Checks ---


def _normalised(data: dict) -> dict:
    values = dict(data)
    for name in LINE_FIELDS:
        if name in values:
            values[name] = normalize_text(values[name] or "")
    for name in MULTILINE_FIELDS:
        if name in values:
            lines = (normalize_text(line) for line in (values[name] or "").replace("\r", "\n").split("\n"))
            values[name] = "\n".join(line for line in lines if line)
    for name in SECTION_FIELDS:
        if name in values:
            values[name] = text_to_document_html(normalize_text_keep_lines(values[name] or ""))
    if "symbol" in values:
        values["symbol"] = clean_symbol(values["symbol"])
    return values


def normalize_text_keep_lines(text: str) -> str:
    return "\n".join(normalize_text(line) for line in text.replace("\r", "\n").split("\n"))


def _quoted(text: str) -> str:
    return f"“{text}”"


def _number_errors(plan: Plan) -> list[str]:
    """The number's form and type, its issuer's abbreviation, and its place in the register (unique per term)."""
    symbol = plan.symbol
    if not re.fullmatch(DOCUMENT_NUMBER_PATTERN, symbol):
        return [
            _("Số, ký hiệu %(symbol)s không đúng mẫu. %(rule)s")
            % {"symbol": _quoted(symbol), "rule": DOCUMENT_NUMBER_MESSAGE}
        ]
    number, rest = symbol.split("-", 1)
    doc_type, issuer_code = rest.split("/", 1)
    errors = []
    if doc_type != PLAN_DOC_TYPE:
        errors.append(
            _("Kế hoạch có ký hiệu loại văn bản là KH (ví dụ 42-KH/TU), không phải %(type)s.") % {"type": doc_type}
        )
    abbreviation = plan.issuing_unit.abbreviation if plan.issuing_unit_id else ""
    if abbreviation and issuer_code != abbreviation:
        errors.append(
            _("Ký hiệu cơ quan ban hành của %(unit)s là %(code)s (ví dụ %(example)s), không phải %(given)s.")
            % {
                "unit": plan.issuing_unit.name,
                "code": abbreviation,
                "example": f"{number}-{PLAN_DOC_TYPE}/{abbreviation}",
                "given": issuer_code,
            }
        )
    term = Term.congress_term_on(plan.date) if plan.date else None
    if errors or term is None:
        return errors
    duplicate = (
        Plan.objects.filter(issuing_unit=plan.issuing_unit, doc_type=doc_type, number=int(number), congress_term=term)
        .exclude(pk=plan.pk)
        .first()
    )
    if duplicate is not None:
        return [
            _(
                "Số %(symbol)s đã được dùng cho kế hoạch %(other)s ngày %(date)s trong nhiệm kỳ %(term)s; số tiếp "
                "theo còn trống là %(next)02d. Để trống ô số, ký hiệu để hệ thống cấp số."
            )
            % {
                "symbol": _quoted(symbol),
                "other": duplicate.symbol,
                "date": format_date(duplicate.date),
                "term": term.name,
                "next": next_free_number(issuing_unit=plan.issuing_unit, day=plan.date),
            }
        ]
    return []


def _plan_errors(plan: Plan, *, check_number: bool = True) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not plan.issuing_unit_id:
        errors["issuing_unit"] = [_("Phải chọn cơ quan ban hành.")]
    if not plan.date:
        errors["date"] = [_("Phải ghi ngày ban hành.")]
    if not plan.title:
        errors["title"] = [_("Phải ghi trích yếu.")]
    elif plan.title[0].isupper() and not plan.title.split(" ", 1)[0].isupper():
        errors["title"] = [
            _("Trích yếu bắt đầu bằng chữ thường (ví dụ: luân chuyển, đào tạo, bồi dưỡng cán bộ …), theo Hướng dẫn 36.")
        ]
    if errors:
        return errors
    if Term.congress_term_on(plan.date) is None:
        errors["date"] = [
            _(
                "Không có nhiệm kỳ đại hội nào chứa ngày %(date)s, nên không cấp, không kiểm tra được số văn bản "
                "(số được đánh lại từ đầu mỗi nhiệm kỳ)."
            )
            % {"date": format_date(plan.date)}
        ]
        return errors
    if not plan.issuing_unit.is_valid_on(plan.date):
        errors["issuing_unit"] = [
            _("Cơ quan ban hành “%(unit)s” không tồn tại vào ngày %(date)s.")
            % {"unit": plan.issuing_unit.name, "date": format_date(plan.date)}
        ]
    number_errors = _number_errors(plan) if check_number else []
    if number_errors:
        errors["symbol"] = number_errors
    if plan.signer_title.upper() in COMMITTEE_SIGNERS and plan.signing_authority.upper().startswith("K/T"):
        errors["signing_authority"] = [
            _(
                "Cấp ủy là tập thể: bí thư, phó bí thư ký “T/M BAN THƯỜNG VỤ” (thay mặt), không ký “K/T” "
                "(K/T dùng trong các ban, ví dụ K/T TRƯỞNG BAN)."
            )
        ]
    return errors


def _issue_errors(plan: Plan) -> dict[str, list[str]]:
    """What an issued document must have, beyond what a draft needs."""
    errors: dict[str, list[str]] = {}
    required = {
        "issuing_body": _("Phải ghi tên cơ quan ban hành in trên văn bản."),
        "place": _("Phải ghi địa danh (dòng “…, ngày … tháng … năm …”)."),
        "signer_title": _("Phải ghi chức vụ người ký (ví dụ BÍ THƯ, PHÓ BÍ THƯ)."),
        "signer_name": _("Phải ghi họ tên người ký."),
    }
    for name, message in required.items():
        if not getattr(plan, name).strip():
            errors[name] = [message]
    if not any(getattr(plan, name).strip() for name in SECTION_FIELDS):
        errors["purpose_section"] = [_("Kế hoạch chưa có nội dung (mục I, II, III).")]
    recipients = [line for line in plan.recipients.split("\n") if line.strip()]
    if not recipients:
        errors["recipients"] = [_("Phải ghi nơi nhận, mỗi dòng một nơi; dòng cuối là nơi lưu văn bản.")]
    elif not recipients[-1].lstrip("-–• ").startswith("Lưu"):
        errors["recipients"] = [_("Dòng cuối của nơi nhận là nơi lưu văn bản, ví dụ: Lưu Văn phòng Tỉnh ủy.")]
    if plan.date and plan.date > timezone.localdate():
        errors["date"] = [_("Chưa đến ngày ban hành %(date)s.") % {"date": format_date(plan.date)}]
    return errors


def _refuse_unless_draft(plan: Plan) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError({NON_FIELD_ERRORS: [str(FROZEN_MESSAGE)]}, code="frozen")


# --- Versions (optimistic concurrency over the plan, its targets and its planned cadres) ---


def plan_version(plan: Plan) -> str:
    """A digest of the plan's row and of its targets' and entries' rows: any change anywhere changes it."""
    parts = [row_version(plan)]
    parts += [row_version(target) for target in PlanTarget.objects.filter(plan_id=plan.pk).order_by("pk")]
    parts += [row_version(entry) for entry in PlanEntry.objects.filter(plan_id=plan.pk).order_by("pk")]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _lock_if_unchanged(plan: Plan, version: str) -> Plan:
    current = Plan.objects.select_for_update().select_related("issuing_unit").get(pk=plan.pk)
    if not version or plan_version(current) != version:
        raise ValidationError({NON_FIELD_ERRORS: [_(STALE_MESSAGE)]}, code="stale")
    return current


# --- Targets and planned cadres ---


def _default_current_post(cadre: Cadre, day: datetime.date) -> str:
    posting = primary_posting_on(cadre=cadre, day=day)
    if posting is not None:
        return ", ".join(part for part in (posting.dest_title_name, posting.dest_unit_name) if part)
    return cadre.unit.name if cadre.unit_id else ""


def _apply_rows(plan: Plan, targets: Iterable[TargetRow] | None, entries: Iterable[EntryRow] | None) -> None:
    """Create, change or remove the plan's targets and entries as the rows say; errors name the row."""
    errors: dict[str, list[str]] = {}
    if targets is not None:
        existing = {t.pk: t for t in PlanTarget.objects.filter(plan=plan)}
        for number, row in enumerate(targets, start=1):
            target = existing.get(row.id) if row.id else PlanTarget(plan=plan)
            if target is None:
                errors.setdefault("targets", []).append(
                    _("Chỉ tiêu thứ %(n)d không thuộc kế hoạch này.") % {"n": number}
                )
                continue
            if row.delete:
                if target.pk:
                    target.delete()
                continue
            target.direction, target.dest_unit, target.dest_title = row.direction or "", row.dest_unit, row.dest_title
            target.count = row.count
            try:
                full_clean_in_vietnamese(target)
                save_or_explain(target)
            except ValidationError as exc:
                for messages in exc.message_dict.values():
                    for message in messages:
                        errors.setdefault("targets", []).append(
                            _("Chỉ tiêu thứ %(n)d: %(message)s") % {"n": number, "message": message}
                        )
    if entries is not None:
        existing_entries = {e.pk: e for e in PlanEntry.objects.filter(plan=plan)}
        rows = list(entries)
        for row in rows:  # removals first: a cadre taken out and put back in the same save is no duplicate
            if row.delete and row.id in existing_entries:
                existing_entries.pop(row.id).delete()
        for number, row in enumerate(rows, start=1):
            if row.delete:
                continue
            entry = existing_entries.get(row.id) if row.id else PlanEntry(plan=plan)
            if entry is None:
                errors.setdefault("entries", []).append(
                    _("Cán bộ thứ %(n)d không thuộc danh sách của kế hoạch này.") % {"n": number}
                )
                continue
            entry.cadre, entry.dest_unit, entry.dest_title = row.cadre, row.dest_unit, row.dest_title
            entry.current_post = normalize_text(row.current_post) or _default_current_post(row.cadre, plan.date)
            try:
                full_clean_in_vietnamese(entry)
                save_or_explain(entry)
            except ValidationError as exc:
                for messages in exc.message_dict.values():
                    for message in messages:
                        errors.setdefault("entries", []).append(
                            _("Cán bộ thứ %(n)d (%(name)s): %(message)s")
                            % {"n": number, "name": row.cadre.full_name, "message": message}
                        )
    if errors:
        raise ValidationError(errors)


def _save_plan(plan: Plan) -> None:
    full_clean_in_vietnamese(plan)
    save_or_explain(plan)
    registry_changed.send(sender=Plan)  # the plan-against-actual figures of the statistics


# --- Services ---


def _assign_number(plan: Plan, *, typed: bool) -> None:
    """Hold the register and give the plan its number: the next free one, or the typed one if still free."""
    term = Term.congress_term_on(plan.date)
    lock_register(issuing_unit=plan.issuing_unit, doc_type=PLAN_DOC_TYPE, term=term)
    if typed:
        number_errors = _number_errors(plan)  # checked again now that the register is ours
        if number_errors:
            raise ValidationError({"symbol": number_errors})
    else:
        if not plan.issuing_unit.abbreviation:
            raise ValidationError(
                {
                    "symbol": [
                        _(
                            "Cơ quan ban hành chưa có ký hiệu trên văn bản (ví dụ TU, HU), nên không cấp số được: "
                            "hãy ghi số, ký hiệu."
                        )
                    ]
                }
            )
        number = next_free_number(issuing_unit=plan.issuing_unit, day=plan.date, exclude_pk=plan.pk)
        plan.symbol = f"{number:02d}-{PLAN_DOC_TYPE}/{plan.issuing_unit.abbreviation}"
    plan.congress_term = term


def _fill_header(plan: Plan) -> None:
    """Header lines left blank take the issuer's usual ones (header_defaults); the superior body only
    when the issuing body was blank too (a blank superior body under a typed issuer is deliberate)."""
    defaults = header_defaults(plan.issuing_unit)
    if not plan.issuing_body:
        plan.issuing_body = defaults["issuing_body"]
        plan.superior_body = plan.superior_body or defaults["superior_body"]
    plan.place = plan.place or defaults["place"]


@transaction.atomic
def plan_create(
    *,
    actor,
    data: dict,
    targets: Iterable[TargetRow] = (),
    entries: Iterable[EntryRow] = (),
    reason: str = "",
) -> Plan:
    """A new draft plan. A blank `symbol` takes the next free number of the register (see the module docstring)."""
    with audit_context(actor=actor, reason=reason or "Lập kế hoạch"):
        values = _normalised({name: data[name] for name in PLAN_FIELDS if name in data})
        plan = Plan(**values)
        plan.status = PlanStatus.DRAFT
        typed = bool(plan.symbol)
        errors = _plan_errors(plan, check_number=typed)
        if errors:
            raise ValidationError(errors)
        _assign_number(plan, typed=typed)
        _fill_header(plan)
        _save_plan(plan)
        _apply_rows(plan, targets, entries)
        return plan


@transaction.atomic
def plan_update(
    *,
    actor,
    plan: Plan,
    version: str,
    data: dict,
    targets: Iterable[TargetRow] | None = None,
    entries: Iterable[EntryRow] | None = None,
    reason: str = "",
) -> Plan:
    """Change a draft (and its targets and planned cadres), unless someone changed it since `version`.

    A blank `symbol` asks the register for a new number (after a change of issuer or date).
    """
    with audit_context(actor=actor, reason=reason or f"Sửa kế hoạch {plan.symbol}"):
        current = _lock_if_unchanged(plan, version)
        _refuse_unless_draft(current)
        values = _normalised({name: data[name] for name in PLAN_FIELDS if name in data})
        before = (current.symbol, current.date, current.issuing_unit_id)
        for name, value in values.items():
            setattr(current, name, value)
        typed = bool(current.symbol)
        errors = _plan_errors(current, check_number=typed)
        if errors:
            raise ValidationError(errors)
        if (current.symbol, current.date, current.issuing_unit_id) != before:
            _assign_number(current, typed=typed)
        _fill_header(current)
        _save_plan(current)
        _apply_rows(current, targets, entries)
        return current


@transaction.atomic
def plan_issue(*, actor, plan: Plan, version: str, reason: str = "") -> Plan:
    """Issue a draft (ban hành): from now on it is frozen, and its PDF carries no draft mark."""
    with audit_context(actor=actor, reason=reason or f"Ban hành kế hoạch {plan.symbol}"):
        current = _lock_if_unchanged(plan, version)
        _refuse_unless_draft(current)
        errors = _plan_errors(current) | _issue_errors(current)
        if errors:
            raise ValidationError(errors)
        current.status = PlanStatus.ISSUED
        current.issued_at = timezone.now()
        _save_plan(current)
        return current


@transaction.atomic
def plan_amend(*, actor, plan: Plan, version: str, day: datetime.date | None = None, reason: str = "") -> Plan:
    """Start an amendment of an issued plan: a new draft (version + 1) copying its content and lists.

    It gets its own number from the register, dated `day` (today by default); the user edits it and
    issues it like any plan. A plan is amended once: a later change amends the amendment.
    """
    with audit_context(actor=actor, reason=reason or f"Lập văn bản sửa đổi, bổ sung kế hoạch {plan.symbol}"):
        current = _lock_if_unchanged(plan, version)
        if current.status != PlanStatus.ISSUED:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _("Chỉ sửa đổi, bổ sung được kế hoạch đã ban hành; bản dự thảo thì sửa trực tiếp.")
                    ]
                }
            )
        later = Plan.objects.filter(amends=current).first()
        if later is not None:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _("Kế hoạch này đã có văn bản sửa đổi, bổ sung (%(symbol)s); hãy sửa đổi từ văn bản đó.")
                        % {"symbol": later.symbol}
                    ]
                }
            )
        day = day or timezone.localdate()
        copied = {name: getattr(current, name) for name in PLAN_FIELDS if name not in ("symbol", "date")}
        amendment = Plan(**copied, date=day, symbol="", amends=current, version=current.version + 1)
        errors = _plan_errors(amendment, check_number=False)
        if errors:
            raise ValidationError(errors)
        _assign_number(amendment, typed=False)
        _save_plan(amendment)
        for target in current.targets.all():
            PlanTarget.objects.create(
                plan=amendment,
                direction=target.direction,
                dest_unit_id=target.dest_unit_id,
                dest_title_id=target.dest_title_id,
                count=target.count,
            )
        for entry in current.entries.all():
            PlanEntry.objects.create(
                plan=amendment,
                cadre_id=entry.cadre_id,
                current_post=entry.current_post,
                dest_unit_id=entry.dest_unit_id,
                dest_title_id=entry.dest_title_id,
                posting_id=entry.posting_id,
            )
        return amendment


ENTRY_LINK_MESSAGES = {
    "other_cadre": gettext_lazy("Lượt luân chuyển được chọn là của cán bộ khác."),
    "cancelled": gettext_lazy("Lượt luân chuyển được chọn đã bị hủy."),
    "before_plan": gettext_lazy("Lượt luân chuyển bắt đầu ngày %(start)s, trước ngày của kế hoạch (%(date)s)."),
}


@transaction.atomic
def plan_entry_link(*, actor, entry: PlanEntry, posting: Posting | None, reason: str = "") -> PlanEntry:
    """Record which posting carried out a planned cadre's rotation (or clear it). Allowed after issue too."""
    with audit_context(actor=actor, reason=reason or "Gắn lượt luân chuyển đã thực hiện vào kế hoạch"):
        entry = PlanEntry.objects.select_for_update().select_related("plan", "cadre").get(pk=entry.pk)
        if posting is not None:
            if posting.cadre_id != entry.cadre_id:
                raise ValidationError({"posting": [str(ENTRY_LINK_MESSAGES["other_cadre"])]})
            if posting.status == "cancelled":
                raise ValidationError({"posting": [str(ENTRY_LINK_MESSAGES["cancelled"])]})
            if posting.start_date < entry.plan.date:
                raise ValidationError(
                    {
                        "posting": [
                            str(ENTRY_LINK_MESSAGES["before_plan"])
                            % {"start": format_date(posting.start_date), "date": format_date(entry.plan.date)}
                        ]
                    }
                )
        entry.posting = posting
        save_or_explain(entry, update_fields=["posting"])
        registry_changed.send(sender=PlanEntry)
        return entry
