"""Celery jobs of progress: daily milestone reminders, PDF reports, the weekly district report.

Jobs take ids and call services; they are idempotent. Beat names them by their dotted path.
"""

from celery import shared_task

from zichuan_heating.mail_jobs import beat_day, mail_job


@mail_job()
def send_reminders_job(self, day: str | None = None) -> int:
    """The daily beat: reminders of the active programme for today (Asia/Shanghai)."""
    from tasks.progress.reminders import reminders_send
    from tasks.queries import active_programme

    programme = active_programme()
    if programme is None:
        return 0
    today = beat_day(day)
    return len(reminders_send(programme=programme, today=today))


@shared_task(bind=True, max_retries=3, retry_backoff=30)
def render_report_job(self, job_id: int) -> str:
    """Render one requested PDF report; idempotent, so a redelivered message does nothing."""
    from tasks.progress.reports import report_job_run

    return report_job_run(job_id)


@mail_job(retry_backoff=300, max_retries=3)
def weekly_district_report_job(self) -> int | None:
    """Every Monday: render the district report and e-mail it to the district office."""
    from tasks.progress.reports import weekly_district_report_send
    from tasks.queries import active_programme

    programme = active_programme()
    if programme is None:
        return None
    return weekly_district_report_send(programme=programme)
