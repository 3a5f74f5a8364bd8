"""How a refusal reaches the user: the messages of a ValidationError, flashed or joined."""

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
