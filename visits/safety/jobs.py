"""Celery jobs of safety: the daily reminder of overdue rectifications (idempotent)."""

import datetime
import smtplib

from celery import shared_task


@shared_task(
    bind=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=60,
    max_retries=5,
)
def overdue_rectifications_job(self, day: str | None = None) -> int:
    """The daily beat: reminders of findings past their rectification deadline."""
    from visits.safety.reminders import overdue_reminders_send

    today = datetime.date.fromisoformat(day) if day else None
    return len(overdue_reminders_send(today=today))
