"""Writes for decisions and postings: one transaction each, audited, checked against the rules.

Every service runs inside `audit_context(actor=..., reason=...)`, so the history rows that
pghistory's triggers write carry who did it and why. A posting is saved only when no rule in
the rule set of its decision date gives an error, and every warning has an override (a reason
and, where the setting asks for it, the reference of the decision that allows the special case).
Database constraint failures come back as `RuleViolation`/`ValidationError` with a Vietnamese
message next to a field, never as a server error, and leave nothing half-written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cadres.models import Cadre
from cadres.retirement import add_months, whole_months_between
from postings.directions import derive_direction
from postings.models import (
    Decision,
    DecisionStatus,
    Posting,
    PostingKind,
    PostingOutcome,
    PostingOverride,
    PostingPurpose,
    PostingStatus,
    RuleKind,
    RuleSet,
)
from postings.rules import Finding, document_number_errors, evaluate_posting, rule_set_for
from postings.selectors import primary_posting_on
from rotation_registry.common.audit import audit_context
from rotation_registry.common.documents import clean_symbol
from rotation_registry.common.formatting import format_date
from rotation_registry.common.signals import registry_changed
from rotation_registry.common.validation import (
    CONSTRAINT_FIELDS,
    CONSTRAINT_MESSAGES,
    explain_integrity_error,
    full_clean_in_vietnamese,
)
from units.models import Position, Term, Unit

# --- Errors ---


@dataclass
class OverrideRequest:
    """A request to save despite a warning: the rule, why, and (where required) the decision allowing it."""

    rule_code: str
    reason: str
    decision_reference: str = ""


class RuleViolation(ValidationError):
    """A posting was refused: `.findings` holds the errors and the warnings left without a valid override.

    `message_dict` maps each form field to the Vietnamese messages to show next to it.
    """

    def __init__(self, findings: Iterable[Finding], messages: dict[str, list[str]] | None = None):
        self.findings = list(findings)
        if messages is None:
            messages = {}
            for finding in self.findings:
                messages.setdefault(finding.field or NON_FIELD_ERRORS, []).append(finding.message)
        super().__init__(messages)


# Where each postings constraint's message belongs on a form (see common.validation).
CONSTRAINT_FIELDS.update(
    {
        "posting_one_primary_at_a_time": "start_date",
        "posting_starts_after_decision": "start_date",
        "posting_planned_end_after_start": "planned_end",
        "posting_actual_end_not_before_start": "actual_end",
        "posting_ended_has_end_date": "actual_end",
        "posting_cancel_has_reason": "cancel_reason",
        "posting_destination_as_written": "dest_title_name",
        "override_once_per_rule": "overrides",
        "override_has_reason": "overrides",
        "postings_decision_symbol_format": "symbol",
        "postings_decision_number_unique_per_term": "symbol",
        "decision_date_not_after_postings": "date",
    }
)
CONSTRAINT_MESSAGES.update(
    {
        "posting_starts_after_decision": gettext_lazy("Ngày bắt đầu không được trước ngày ký quyết định."),
        "decision_date_not_after_postings": gettext_lazy(
            "Ngày ký quyết định không được sau ngày bắt đầu của luân chuyển thuộc quyết định."
        ),
    }
)


def _save(instance, **kwargs) -> None:
    """Save inside a savepoint; a refusal becomes a RuleViolation next to its field."""
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        field, message = explain_integrity_error(exc, type(instance))
        raise RuleViolation([Finding(code="DB", kind=RuleKind.ERROR, field=field, message=message)]) from exc
    registry_changed.send(sender=type(instance))  # statistics recompute once this transaction commits


# --- Decisions ---


def _decision_number_and_issuer_errors(
    *, symbol: str, day: datetime.date | None, issuing_unit: Unit | None, exclude_pk: int | None = None
) -> dict[str, list[str]]:
    """R-DOCNUMBER, and an issuing body that existed on the decision date."""
    errors: dict[str, list[str]] = {}
    number_errors = document_number_errors(symbol=symbol, day=day, issuing_unit=issuing_unit, exclude_pk=exclude_pk)
    if number_errors:
        errors["symbol"] = number_errors
    if issuing_unit is not None and day is not None and not issuing_unit.is_valid_on(day):
        errors["issuing_unit"] = [
            _("Cơ quan ban hành “%(unit)s” không tồn tại vào ngày %(date)s.")
            % {"unit": issuing_unit.name, "date": format_date(day)}
        ]
    return errors


@transaction.atomic
def decision_create(
    *,
    actor,
    symbol: str,
    date: datetime.date,
    issuing_unit: Unit,
    signer: str = "",
    signer_title: str = "",
    summary: str = "",
    scan=None,
    reason: str = "",
) -> Decision:
    """Record a decision after checking its number (R-DOCNUMBER): form, congress term, uniqueness.

    `scan`: the signed decision as a PDF (an uploaded file), checked by postings.validators.
    """
    with audit_context(actor=actor, reason=reason):
        symbol = clean_symbol(symbol)
        errors = _decision_number_and_issuer_errors(symbol=symbol, day=date, issuing_unit=issuing_unit)
        if errors:
            raise ValidationError(errors)
        decision = Decision(
            symbol=symbol,
            date=date,
            issuing_unit=issuing_unit,
            signer=signer,
            signer_title=signer_title,
            summary=summary,
            congress_term=Term.congress_term_on(date),
        )
        if scan:
            decision.scan = scan
        full_clean_in_vietnamese(decision)
        _save(decision)
        return decision


# A decision's fields as forms show them; all may be corrected through decision_update.
DECISION_FIELDS = [
    "symbol",
    "date",
    "issuing_unit",
    "signer",
    "signer_title",
    "summary",
    "scan",
    "status",
    "cancel_reason",
]
DECISION_UPDATABLE_FIELDS = set(DECISION_FIELDS)


@transaction.atomic
def decision_update(*, actor, decision: Decision, changes: dict, reason: str = "") -> Decision:
    """Correct a decision, or cancel it (with a reason, once none of its postings still stands)."""
    with audit_context(actor=actor, reason=reason or changes.get("cancel_reason", "")):
        unknown = sorted(set(changes) - DECISION_UPDATABLE_FIELDS)
        if unknown:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("Không sửa được các trường: %(fields)s.") % {"fields": ", ".join(unknown)}]}
            )
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        for name, value in changes.items():
            setattr(decision, name, value)
        decision.symbol = clean_symbol(decision.symbol)
        errors: dict[str, list[str]] = {}
        if {"symbol", "date", "issuing_unit"} & set(changes):
            errors = _decision_number_and_issuer_errors(
                symbol=decision.symbol, day=decision.date, issuing_unit=decision.issuing_unit, exclude_pk=decision.pk
            )
        standing = decision.postings.exclude(status=PostingStatus.CANCELLED)
        if "date" in changes and standing.filter(start_date__lt=decision.date).exists():
            errors["date"] = [
                _(
                    "Có luân chuyển của quyết định bắt đầu trước ngày %(date)s; "
                    "ngày ký quyết định không được sau ngày bắt đầu luân chuyển."
                )
                % {"date": format_date(decision.date)}
            ]
        if decision.status == DecisionStatus.CANCELLED:
            if not (decision.cancel_reason or "").strip():
                errors["cancel_reason"] = [_("Phải ghi lý do hủy quyết định.")]
            if standing.exists():
                count = standing.count()
                errors["status"] = [
                    ngettext(
                        "Quyết định còn %(count)d luân chuyển chưa hủy; hãy hủy các luân chuyển "
                        "đó trước khi hủy quyết định.",
                        "Quyết định còn %(count)d luân chuyển chưa hủy; hãy hủy các luân chuyển "
                        "đó trước khi hủy quyết định.",
                        count,
                    )
                    % {"count": count}
                ]
        if errors:
            raise ValidationError(errors)
        decision.congress_term = Term.congress_term_on(decision.date)
        full_clean_in_vietnamese(decision)
        _save(decision)
        return decision


@transaction.atomic
def decision_cancel(*, actor, decision: Decision, reason: str) -> Decision:
    """Withdraw a decision: each of its postings still standing is cancelled with the same reason, then
    the decision itself. Nothing is deleted; the reason is kept on every record and in the audit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": [_("Phải ghi lý do hủy quyết định.")]})
    with audit_context(actor=actor, reason=reason):
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.status == DecisionStatus.CANCELLED:
            raise ValidationError({NON_FIELD_ERRORS: [_("Quyết định này đã được hủy trước đó.")]})
        for posting in decision.postings.exclude(status=PostingStatus.CANCELLED).order_by("pk"):
            posting_cancel(actor=actor, posting=posting, reason=reason)
        changes = {"status": DecisionStatus.CANCELLED, "cancel_reason": reason}
        return decision_update(actor=actor, decision=decision, changes=changes, reason=reason)


# --- Postings ---


def _overridden(
    findings: list[Finding], overrides: Iterable[OverrideRequest], *, already_granted: set[str] = frozenset()
) -> dict[str, OverrideRequest]:
    """The overrides that apply, or a RuleViolation listing errors and warnings left without one.

    A code overridden earlier for this posting (a PostingOverride row) stays granted.
    """
    requests = {request.rule_code: request for request in overrides}
    granted: dict[str, OverrideRequest] = {}
    refused: list[Finding] = []
    messages: dict[str, list[str]] = {}

    def refuse(finding: Finding, message: str) -> None:
        refused.append(finding)
        messages.setdefault(finding.field or NON_FIELD_ERRORS, []).append(message)

    for finding in findings:
        if finding.kind == RuleKind.ERROR:
            refuse(finding, finding.message)
            continue
        request = requests.get(finding.code)
        names = {"message": finding.message, "code": finding.code}
        if request is None:
            if finding.code not in already_granted and finding.requires_decision_reference:
                refuse(
                    finding,
                    _(
                        "%(message)s Muốn lưu, phải ghi lý do trường hợp đặc biệt và số, ký hiệu quyết định "
                        "cho phép (vượt quy định %(code)s)."
                    )
                    % names,
                )
            elif finding.code not in already_granted:
                refuse(
                    finding,
                    _("%(message)s Muốn lưu, phải ghi lý do trường hợp đặc biệt (vượt quy định %(code)s).") % names,
                )
        elif not (request.reason or "").strip():
            refuse(finding, _("%(message)s Phải ghi lý do trường hợp đặc biệt (vượt quy định %(code)s).") % names)
        elif finding.requires_decision_reference and not (request.decision_reference or "").strip():
            refuse(
                finding,
                _("%(message)s Phải ghi số, ký hiệu quyết định cho phép trường hợp đặc biệt (vượt quy định %(code)s).")
                % names,
            )
        else:
            granted[finding.code] = request
    if refused:
        raise RuleViolation(refused, messages)
    return granted


def _store_overrides(posting: Posting, granted: dict[str, OverrideRequest], actor) -> None:
    for code, request in granted.items():
        values = {
            "reason": request.reason.strip(),
            "decision_reference": request.decision_reference.strip(),
            "granted_by": actor,
        }
        override = PostingOverride.objects.filter(posting=posting, rule_code=code).first()
        if override is None:
            override = PostingOverride(posting=posting, rule_code=code, **values)
        else:  # a new reason for a rule granted before (its history keeps the old one)
            for name, value in values.items():
                setattr(override, name, value)
        full_clean_in_vietnamese(override)
        _save(override)


def _rule_set_or_error(day: datetime.date) -> RuleSet:
    try:
        return rule_set_for(day)
    except RuleSet.DoesNotExist as exc:
        raise ValidationError({"decision": [str(exc)]}) from exc


def _check_decision(decision: Decision) -> None:
    if decision.status == DecisionStatus.CANCELLED:
        raise ValidationError({"decision": [_("Quyết định %(symbol)s đã bị hủy.") % {"symbol": decision.symbol}]})


def _derive(posting: Posting) -> None:
    """Values that follow from others: direction and the rule set of the decision date."""
    posting.direction = derive_direction(posting.origin_unit, posting.dest_unit)
    posting.rule_set = _rule_set_or_error(posting.decision.date)


def _check_and_save(posting: Posting, *, actor, overrides, only=None, update_fields=None) -> Posting:
    existing = set(posting.overrides.values_list("rule_code", flat=True)) if posting.pk else set()
    findings = evaluate_posting(posting, only=only)
    granted = _overridden(findings, overrides, already_granted=existing)
    if only is None:
        # "Tăng thêm chức danh": the quota was exceeded and allowed as a special case.
        posting.adds_title = any(finding.code == "R-QUOTA" for finding in findings)
        if update_fields is not None:
            update_fields = [*update_fields, "adds_title"]
    full_clean_in_vietnamese(posting)
    _save(posting, update_fields=update_fields)
    _store_overrides(posting, granted, actor)
    return posting


@transaction.atomic
def posting_create(
    *,
    actor,
    cadre: Cadre,
    decision: Decision,
    dest_unit: Unit | None,
    start_date: datetime.date,
    dest_title_name: str | None = None,
    dest_position: Position | None = None,
    kind: str = PostingKind.ROTATION,
    purpose: str = PostingPurpose.TRAINING,
    origin_unit: Unit | None = None,
    origin_position: Position | None = None,
    origin_unit_name: str | None = None,
    origin_title_name: str | None = None,
    dest_unit_name: str | None = None,
    planned_months: int = 36,
    planned_end: datetime.date | None = None,
    is_primary: bool = True,
    status: str = PostingStatus.IN_FORCE,
    overrides: Iterable[OverrideRequest] = (),
    end_previous: bool = False,
    reason: str = "",
) -> Posting:
    """Record a posting carried by a decision, after checking it against the rules of the decision date.

    Defaults: the origin is the cadre's primary posting held on the start date (its destination);
    units come from positions; names as written come from the units and the positions' titles;
    planned_end is start_date + planned_months (or planned_months is counted from planned_end).
    end_previous: that primary posting ends the day before (outcome "new post"), in the same
    transaction, so the new primary posting does not overlap it (R-OVERLAP).
    """
    with audit_context(actor=actor, reason=reason):
        _check_decision(decision)
        if origin_unit is None and origin_position is None:
            previous = primary_posting_on(cadre=cadre, day=start_date)
            if previous is not None:
                origin_position, origin_unit = previous.dest_position, previous.dest_unit
                if origin_title_name is None and origin_position is None:
                    origin_title_name = previous.dest_title_name
        if origin_unit is None and origin_position is not None:
            origin_unit = origin_position.unit
        if end_previous and is_primary:
            _end_previous_primary(actor=actor, cadre=cadre, start_date=start_date, overrides=overrides)
        if dest_unit is None and dest_position is not None:
            dest_unit = dest_position.unit
        if dest_unit is None:
            raise ValidationError({"dest_unit": [_("Phải chọn đơn vị nơi đến (hoặc vị trí nơi đến).")]})
        if dest_title_name is None:
            dest_title_name = dest_position.title.name if dest_position is not None else ""
        if not dest_title_name.strip():
            raise ValidationError(
                {"dest_title_name": [_("Phải ghi chức vụ nơi đến như trong quyết định (hoặc chọn vị trí nơi đến).")]}
            )
        if origin_unit_name is None:
            origin_unit_name = origin_unit.name if origin_unit is not None else ""
        if origin_title_name is None:
            origin_title_name = origin_position.title.name if origin_position is not None else ""
        if dest_unit_name is None:
            dest_unit_name = dest_unit.name
        if planned_end is None:
            planned_end = add_months(start_date, planned_months) if planned_months else None
        else:
            planned_months = max(whole_months_between(start_date, planned_end), 0)
        posting = Posting(
            cadre=cadre,
            kind=kind,
            purpose=purpose,
            decision=decision,
            start_date=start_date,
            origin_position=origin_position,
            origin_unit=origin_unit,
            origin_unit_name=origin_unit_name,
            origin_title_name=origin_title_name,
            dest_position=dest_position,
            dest_unit=dest_unit,
            dest_unit_name=dest_unit_name,
            dest_title_name=dest_title_name,
            planned_months=planned_months,
            planned_end=planned_end,
            is_primary=is_primary,
            status=status,
        )
        _derive(posting)
        return _check_and_save(posting, actor=actor, overrides=overrides)


def _end_previous_primary(*, actor, cadre: Cadre, start_date: datetime.date, overrides) -> None:
    """The cadre's primary posting in force on `start_date` ends the day before, for a new post."""
    previous = primary_posting_on(cadre=cadre, day=start_date)
    if previous is None or previous.status != PostingStatus.IN_FORCE or previous.start_date >= start_date:
        return  # nothing held, or a posting the new one cannot follow: R-OVERLAP says so
    posting_end(
        actor=actor,
        posting=previous,
        actual_end=start_date - datetime.timedelta(days=1),
        outcome=PostingOutcome.NEW_POST,
        overrides=overrides,
    )


# Fields a user may change with posting_update; status has its own services (end, cancel).
UPDATABLE_FIELDS = {
    "kind",
    "purpose",
    "decision",
    "start_date",
    "origin_position",
    "origin_unit",
    "origin_unit_name",
    "origin_title_name",
    "dest_position",
    "dest_unit",
    "dest_unit_name",
    "dest_title_name",
    "planned_months",
    "planned_end",
    "actual_end",
    "outcome",
    "is_primary",
}


def _locked(posting: Posting) -> Posting:
    """A fresh, locked copy: the caller's instance stays as it was if the change is refused."""
    return Posting.objects.select_for_update().get(pk=posting.pk)


@transaction.atomic
def posting_update(
    *, actor, posting: Posting, changes: dict, overrides: Iterable[OverrideRequest] = (), reason: str = ""
) -> Posting:
    """Change a posting's fields and re-check it against every rule; earlier overrides stay granted."""
    with audit_context(actor=actor, reason=reason):
        unknown = sorted(set(changes) - UPDATABLE_FIELDS)
        if unknown:
            raise ValidationError(
                {NON_FIELD_ERRORS: [_("Không sửa được các trường: %(fields)s.") % {"fields": ", ".join(unknown)}]}
            )
        posting = _locked(posting)
        if posting.status == PostingStatus.CANCELLED:
            raise ValidationError({NON_FIELD_ERRORS: [_("Luân chuyển đã hủy, không sửa được.")]})
        before = {
            name: getattr(posting, f"{name}_id")
            for name in ("origin_position", "origin_unit", "dest_position", "dest_unit")
        }
        for name, value in changes.items():
            setattr(posting, name, value)
        if "decision" in changes:
            _check_decision(posting.decision)
        for side in ("origin", "dest"):
            position = getattr(posting, f"{side}_position")
            moved_position = getattr(posting, f"{side}_position_id") != before[f"{side}_position"]
            if moved_position and f"{side}_unit" not in changes and position is not None:
                setattr(posting, f"{side}_unit", position.unit)
            unit = getattr(posting, f"{side}_unit")
            moved_unit = getattr(posting, f"{side}_unit_id") != before[f"{side}_unit"]
            if moved_unit and f"{side}_unit_name" not in changes:
                setattr(posting, f"{side}_unit_name", unit.name if unit is not None else "")
            if moved_position and f"{side}_title_name" not in changes and position is not None:
                setattr(posting, f"{side}_title_name", position.title.name)
        if "planned_end" in changes:
            if posting.planned_end is not None:
                posting.planned_months = max(whole_months_between(posting.start_date, posting.planned_end), 0)
        elif "start_date" in changes or "planned_months" in changes:
            posting.planned_end = add_months(posting.start_date, posting.planned_months)
        _derive(posting)
        return _check_and_save(posting, actor=actor, overrides=overrides)


# Ending a posting changes its end date only: re-check what depends on it.
END_RULES = ("R-DATES", "R-OVERLAP", "R-DURATION")


@transaction.atomic
def posting_end(
    *,
    actor,
    posting: Posting,
    actual_end: datetime.date,
    outcome: str,
    overrides: Iterable[OverrideRequest] = (),
    reason: str = "",
) -> Posting:
    """End a posting in force. Ending before the minimum duration (R-DURATION) needs an override."""
    with audit_context(actor=actor, reason=reason):
        posting = _locked(posting)
        errors: dict[str, list[str]] = {}
        if posting.status != PostingStatus.IN_FORCE:
            errors[NON_FIELD_ERRORS] = [
                _("Chỉ kết thúc được luân chuyển đang thực hiện (hiện: %(status)s).")
                % {"status": posting.get_status_display().lower()}
            ]
        if actual_end is None:
            errors["actual_end"] = [_("Phải ghi ngày kết thúc thực tế.")]
        if outcome not in PostingOutcome.values:
            errors["outcome"] = [_("Phải chọn kết quả sau luân chuyển.")]
        if errors:
            raise ValidationError(errors)
        posting.actual_end = actual_end
        posting.outcome = outcome
        posting.status = PostingStatus.ENDED
        return _check_and_save(
            posting, actor=actor, overrides=overrides, only=END_RULES, update_fields=["actual_end", "outcome", "status"]
        )


@transaction.atomic
def posting_cancel(*, actor, posting: Posting, reason: str) -> Posting:
    """Cancel a posting (entered by mistake, decision withdrawn). Nothing is deleted; the reason is kept."""
    reason = (reason or "").strip()
    with audit_context(actor=actor, reason=reason):
        if not reason:
            raise ValidationError({"cancel_reason": [_("Phải ghi lý do hủy luân chuyển.")]})
        posting = _locked(posting)
        if posting.status == PostingStatus.CANCELLED:
            raise ValidationError({NON_FIELD_ERRORS: [_("Luân chuyển này đã được hủy trước đó.")]})
        posting.status = PostingStatus.CANCELLED
        posting.cancel_reason = reason
        full_clean_in_vietnamese(posting)
        _save(posting, update_fields=["status", "cancel_reason"])
        return posting
