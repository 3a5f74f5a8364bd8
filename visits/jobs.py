"""Celery jobs of visits and cases: the daily reminder of overdue cases (idempotent)."""

from zichuan_heating.mail_jobs import beat_day, mail_job


@mail_job()
def case_reminders_job(self, day: str | None = None) -> int:
    """The daily beat: remind overdue cases, escalate the long-overdue ones to the district."""
    from visits.services import case_reminders_send

    today = beat_day(day)
    return len(case_reminders_send(today=today))
