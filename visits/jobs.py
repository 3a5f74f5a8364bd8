"""Celery jobs of visits and cases: the daily reminder of overdue cases (idempotent)."""

import datetime
import smtplib

from celery import shared_task


@shared_task(
    bind=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=60,
    max_retries=5,
)
def case_reminders_job(self, day: str | None = None) -> int:
    """The daily beat: remind overdue cases, escalate the long-overdue ones to the district."""
    from visits.services import case_reminders_send

    today = datetime.date.fromisoformat(day) if day else None
    return len(case_reminders_send(today=today))
