"""Business actions of progress reporting: requesting a PDF report."""

from django.db import transaction

from tasks.models import Programme, Town


@transaction.atomic
def report_job_request(*, user, programme: Programme, town: Town | None = None):
    """Queue a progress report: the district report (town None) or one town's.

    Town officials may ask only for their own town; the job is enqueued after commit, so the
    worker always finds the row.
    """
    from django.core.exceptions import PermissionDenied

    from tasks.models import ReportJob, ReportKind
    from tasks.progress.jobs import render_report_job

    if not user.sees_all_towns and (town is None or town.pk != user.town_id):
        raise PermissionDenied
    job = ReportJob.objects.create(
        kind=ReportKind.TOWN if town else ReportKind.DISTRICT,
        programme=programme,
        town=town,
        requested_by=user,
    )
    transaction.on_commit(lambda: render_report_job.delay(job.pk))
    return job
