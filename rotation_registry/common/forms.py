from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: next to the field it names, or at the top."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages in exc.message_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)
