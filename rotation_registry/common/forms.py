from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def add_service_errors(form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form: next to the field it names, or at the top.

    `aliases` maps a model field the form does not show to the form field the user acts on
    (a posting form asks for planned months, the service may complain about the planned end).
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    aliases = aliases or {}
    for field, messages in exc.message_dict.items():
        field = aliases.get(field, field)
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)
