"""How a refusal reaches the user: the messages of a ValidationError, flashed or joined."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def error_text(exc: ValidationError) -> str:
    """All messages of a ValidationError on one line, for an inline error."""
    return "；".join(exc.messages)


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Each message of a ValidationError as an error message on the next page."""
    for message in exc.messages:
        messages.error(request, message)


def add_service_error(form: Any, exc: ValidationError) -> None:
    """A service's refusal on the form: on the field it names when the form has that field,
    otherwise above the form (a service names model fields, which a form may call otherwise)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)
