"""The Celery jobs that send mail: how they are retried, and the day the beat runs them for."""

import datetime
import smtplib
from collections.abc import Callable

from celery import shared_task

#: A mail server or the network failing: worth another try later.
MAIL_ERRORS = (OSError, smtplib.SMTPException)


def mail_job(*, retry_backoff: int = 60, max_retries: int = 5) -> Callable:
    """A job that sends mail (bound, idempotent): a mail or network error retries it, backing
    off exponentially from `retry_backoff` seconds, at most `max_retries` times."""
    return shared_task(
        bind=True, autoretry_for=MAIL_ERRORS, retry_backoff=retry_backoff, max_retries=max_retries
    )


def beat_day(day: str | None) -> datetime.date | None:
    """The day a daily job runs for: the ISO date it was given (to run it for another day),
    else None, which the service takes as today."""
    return datetime.date.fromisoformat(day) if day else None
