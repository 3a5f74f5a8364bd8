"""How a refusal reaches the user: a service's refusal of a blank text (`required_text`), the
messages of a ValidationError, flashed or joined, and a view's call of a service with its
refusal shown and its success flashed (`attempt`; for a POST that goes back to its page whatever
happens, `attempt_form`)."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def required_text(value: str | None, message: str, *, field: str | None = None) -> str:
    """`value` stripped; a ValidationError with `message` (on `field`, when given) if nothing is
    left: the one rule for the reason, comment or number a service will not take blank."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message} if field else message)
    return value


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


def attempt(
    request: HttpRequest,
    call: Callable[[], Any],
    done: str | Callable[[Any], str],
    *,
    refused: Callable[[ValidationError], None] | None = None,
) -> bool:
    """Run a service; whether it went through.

    Through, `done` is flashed: a message, or a function of the service's result giving one.
    Refused (ValidationError), the refusal goes to `refused`, flashed when none is given (a
    form page passes `partial(add_service_error, form)` to show it on the form). A user who may
    not act gets the service's PermissionDenied as a 403.
    """
    try:
        result = call()
    except ValidationError as exc:
        (refused or partial(flash_errors, request))(exc)
        return False
    messages.success(request, done(result) if callable(done) else done)
    return True


def flash_form_errors(request: HttpRequest, form: Any) -> None:
    """Each error of an invalid form as an error message on the next page, for a POST that
    redirects instead of showing the form again."""
    flash_errors(request, ValidationError([m for ms in form.errors.values() for m in ms]))


def attempt_form(
    request: HttpRequest,
    form: Any,
    call: Callable[[dict[str, Any]], Any],
    done: str | Callable[[Any], str],
) -> bool:
    """A POST that goes back to its page whatever happens; whether it went through.

    An invalid form's errors are flashed (`flash_form_errors`); a valid form's fields, without
    its confirmation box, go to `call`, run through `attempt` (its refusal flashed).
    """
    if not form.is_valid():
        flash_form_errors(request, form)
        return False
    data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
    return attempt(request, lambda: call(data), done)
