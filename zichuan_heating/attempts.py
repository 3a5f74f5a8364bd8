"""A view's call of a service: its refusal shown to the user, its success flashed."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from zichuan_heating.feedback import flash_errors


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
