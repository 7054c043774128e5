"""Model validation and database refusals as Vietnamese messages placed next to the form field.

Model-wide constraints report under NON_FIELD_ERRORS; `CONSTRAINT_FIELDS` says which field each
one is about, so a form shows the message where the user has to act. Apps add their entries.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

CONSTRAINT_FIELDS: dict[str, str] = {
    "cadre_personal_id_unique": "personal_id",
    "cadre_birth_plausible": "date_of_birth",
    "cadre_party_entry_after_birth": "party_entry_date",
    "evaluation_once_per_period": "year",
    "evaluation_quarter_valid": "quarter",
    "evaluation_score_valid": "score",
    "planning_dates_in_order": "valid_to",
    "unit_valid_dates_in_order": "valid_to",
    "unit_no_overlapping_self": "name",
    "unit_code_not_reused_concurrently": "official_code",
}
# Messages for refusals that are not model constraints (triggers) or that read better reworded.
CONSTRAINT_MESSAGES: dict[str, str] = {}  # values may be lazy translations (gettext_lazy)
FALLBACK_DB_MESSAGE = gettext_noop("Dữ liệu không hợp lệ nên không lưu được (vi phạm ràng buộc %(name)s).")


def _messages_by_text(model) -> dict[str, str]:
    return {
        str(c.violation_error_message): CONSTRAINT_FIELDS.get(c.name, NON_FIELD_ERRORS) for c in model._meta.constraints
    }


def full_clean_in_vietnamese(instance) -> None:
    """full_clean, with model-wide constraint errors moved next to the field they concern."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        known = _messages_by_text(type(instance))
        messages: dict[str, list[str]] = {}
        for field, field_messages in exc.message_dict.items():
            for message in field_messages:
                target = known.get(message, field) if field == NON_FIELD_ERRORS else field
                messages.setdefault(target, []).append(message)
        raise ValidationError(messages) from exc


def explain_integrity_error(exc: IntegrityError, model) -> tuple[str, str]:
    """(field, Vietnamese message) for a database refusal."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
    message = CONSTRAINT_MESSAGES.get(name)
    if message is None:
        message = {c.name: c.violation_error_message for c in model._meta.constraints}.get(name)
    if message is None:
        message = gettext(FALLBACK_DB_MESSAGE) % {"name": name or gettext("không rõ")}
    return CONSTRAINT_FIELDS.get(name, NON_FIELD_ERRORS), str(message)  # lazy messages in the request's language


def save_or_explain(instance, **kwargs) -> None:
    """Save inside a savepoint; a refusal becomes a ValidationError and the transaction stays usable."""
    try:
        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        field, message = explain_integrity_error(exc, type(instance))
        raise ValidationError({field: [message]}) from exc
