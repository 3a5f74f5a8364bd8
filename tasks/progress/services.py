"""Business actions of progress reporting: requesting a PDF report."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from tasks.models import Programme, ReportJob, ReportKind, Town
from zichuan_heating.scoping import sees_all_towns


@transaction.atomic
def report_job_request(*, by: Any, programme: Programme, town: Town | None = None) -> ReportJob:
    """Queue a progress report: the district report (town None) or one town's.

    Town officials may ask only for their own town; the job is enqueued after commit, so the
    worker always finds the row.
    """
    from tasks.progress.jobs import render_report_job

    if not sees_all_towns(by) and (town is None or town.pk != by.town_id):
        raise PermissionDenied(_("镇（街道）工作人员只能生成本镇（街道）的进度报告。"))
    job = ReportJob.objects.create(
        kind=ReportKind.TOWN if town else ReportKind.DISTRICT,
        programme=programme,
        town=town,
        requested_by=by,
    )
    transaction.on_commit(lambda: render_report_job.delay(job.pk))
    return job
