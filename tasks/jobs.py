"""Celery jobs of the 建设任务 app. Jobs take ids and call services; they are idempotent.

The Celery app autodiscovers this module (`related_name="jobs"`); beat names the jobs by their
dotted path, e.g. `tasks.jobs.send_reminders_job`.
"""

import datetime as _dt
import smtplib as _smtplib

from celery import shared_task
from celery import shared_task as _shared_task


@shared_task(acks_late=True)
def ledger_import_job(job_id: int) -> None:
    """Validate or commit a large ledger import (whichever its state asks for)."""
    from .import_services import import_job_run

    import_job_run(job_id=job_id)


# --- Milestone reminders and PDF progress reports (issue 7) --------------------------------


@_shared_task(
    bind=True,
    autoretry_for=(OSError, _smtplib.SMTPException),
    retry_backoff=60,
    max_retries=5,
)
def send_reminders_job(self, day: str | None = None) -> int:
    """The daily beat: reminders of the active programme for today (Asia/Shanghai)."""
    from .reminders import reminders_send
    from .services import active_programme

    programme = active_programme()
    if programme is None:
        return 0
    today = _dt.date.fromisoformat(day) if day else None
    return len(reminders_send(programme=programme, today=today))


@_shared_task(bind=True, max_retries=3, retry_backoff=30)
def render_report_job(self, job_id: int) -> str:
    """Render one requested PDF report; idempotent, so a redelivered message does nothing."""
    from .reports import report_job_run

    return report_job_run(job_id)


@_shared_task(
    bind=True,
    autoretry_for=(OSError, _smtplib.SMTPException),
    retry_backoff=300,
    max_retries=3,
)
def weekly_district_report_job(self) -> int | None:
    """Every Monday: render the district report and e-mail it to the district office."""
    from .reports import weekly_district_report_send
    from .services import active_programme

    programme = active_programme()
    if programme is None:
        return None
    return weekly_district_report_send(programme=programme)
