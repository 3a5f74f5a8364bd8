"""Celery jobs of safety: the daily reminder of overdue rectifications (idempotent)."""

from zichuan_heating.mail_jobs import beat_day, mail_job


@mail_job()
def overdue_rectifications_job(self, day: str | None = None) -> int:
    """The daily beat: reminders of findings past their rectification deadline."""
    from visits.safety.reminders import overdue_reminders_send

    today = beat_day(day)
    return len(overdue_reminders_send(today=today))
