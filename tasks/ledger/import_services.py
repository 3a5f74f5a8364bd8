"""Business actions on ledger import jobs: upload, validate, confirm, commit.

A job is idempotent: running it again after it finished (or after a worker died midway) does
the remaining step or nothing. The commit and the "done" state are written in one transaction,
so a redelivered commit either finds the job done or finds nothing written.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.ledger.importing import (
    Scope,
    UnusableFile,
    commit,
    errors_as_dicts,
    gc_paused,
    inspect_file,
    validate,
)
from tasks.models import ImportJob, ImportState, Programme
from tasks.models.imports import IMPORT_FLOW

log = logging.getLogger("zichuan.ledger")

#: A report keeps at most this many errors (the count is always exact).
MAX_STORED_ERRORS = 20_000


def _unexpected() -> str:
    return _("处理文件时出错，未写入任何数据。请联系系统管理员。")


@transaction.atomic
def import_job_create(
    *, by: Any, programme: Programme, upload: UploadedFile, create_villages: bool
) -> ImportJob:
    """Store the upload and decide: small files are validated now, large ones by a Celery job."""
    if upload.size > settings.LEDGER_IMPORT_MAX_BYTES:
        raise ValidationError(
            _("文件过大（%(mb).1f MB），最大允许 %(max)d MB。")
            % {"mb": upload.size / 1048576, "max": settings.LEDGER_IMPORT_MAX_BYTES // 1048576}
        )
    scope = Scope.for_user(by)
    if scope.town_ids is not None and not scope.town_ids:
        raise ValidationError(_("您的账号没有所属镇（街道），不能导入台账。"))
    job = ImportJob(
        programme=programme,
        town_id=next(iter(scope.town_ids)) if scope.town_ids else None,
        created_by=by,
        original_name=(upload.name or "")[:255],
        create_villages=create_villages,
    )
    job.file.save(f"ledger-{timezone.now():%Y%m%d-%H%M%S}.xlsx", upload, save=False)
    try:
        try:
            facts = inspect_file(job.file.path)
        except UnusableFile as e:
            _finish(job, ImportState.FAILED, message=e.message)
            return job
        except Exception:
            log.exception("ledger upload %s could not be inspected", job.original_name)
            _finish(job, ImportState.FAILED, message=_unexpected())
            return job
        job.total_rows = max(facts.data_rows_upper_bound - 1, 0)
        job.save()
    except BaseException:
        _discard_file(job)  # no job row will point at it
        raise
    if job.total_rows > settings.LEDGER_IMPORT_ASYNC_ROWS:
        from tasks.ledger.jobs import ledger_import_job

        ledger_import_job.delay_on_commit(job.pk)
    else:
        transaction.on_commit(lambda: import_job_run(job_id=job.pk))
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, by: Any) -> ImportJob:
    """The importer confirms the preview: commit now (small) or in the Celery job (large)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    IMPORT_FLOW.apply(job, "confirm")
    job.processed_rows = 0
    job.attempts = 0  # the commit is a step of its own
    job.save(update_fields=["state", "processed_rows", "attempts", "updated_at"])
    if job.total_rows > settings.LEDGER_IMPORT_ASYNC_ROWS:
        from tasks.ledger.jobs import ledger_import_job

        ledger_import_job.delay_on_commit(job.pk)
    else:
        transaction.on_commit(lambda: import_job_run(job_id=job.pk))
    return job


def import_job_run(*, job_id: int) -> None:
    """Do what the job's state asks for next: validate a queued job, commit a confirmed one.

    Whatever goes wrong ends as a failed job with a message, never as an error page: the
    transaction of a failed commit rolled back, so nothing was written.
    """
    try:
        _run(job_id)
    except Exception:
        log.exception("ledger import job %s failed", job_id)
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is not None and job.state != ImportState.DONE:
            _finish(job, ImportState.FAILED, message=_unexpected())


def _run(job_id: int) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return
        step = next((s for s in ("validate", "commit") if IMPORT_FLOW.can(job, s)), None)
        if step is None:
            return  # finished already: a redelivered message does nothing
        if job.attempts >= settings.LEDGER_IMPORT_MAX_ATTEMPTS:
            # Each earlier run died without finishing (the worker was killed): stop here.
            log.error("ledger import job %s given up after %s attempts", job_id, job.attempts)
            _finish(job, ImportState.FAILED, message=_given_up(job.attempts))
            return
        IMPORT_FLOW.apply(job, step)
        committing = step == "commit"
        job.processed_rows = 0
        # Counted and committed before the risky work, so a run that kills the worker counts.
        job.attempts += 1
        job.save(update_fields=["state", "processed_rows", "attempts", "updated_at"])

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    try:
        with gc_paused():
            plan = validate(
                job.file.path,
                programme=job.programme,
                scope=_job_scope(job),
                create_villages=job.create_villages,
                progress=progress,
            )
    except UnusableFile as e:
        _finish(job, ImportState.FAILED, message=e.message)
        return
    job.total_rows = plan.total_rows
    job.created_count, job.updated_count, job.unchanged_count = (
        len(plan.to_create),
        len(plan.to_update),
        plan.unchanged,
    )
    job.error_count = len(plan.errors)
    job.errors = errors_as_dicts(plan.errors[:MAX_STORED_ERRORS])
    job.preview = plan.preview
    if plan.errors:
        message = _("校验发现问题：未写入任何数据。") if committing else ""
        _finish(job, ImportState.INVALID, message=message)
        return
    if not committing:
        _finish(job, ImportState.READY, finished=False)
        return
    try:
        with gc_paused(), transaction.atomic():
            commit(plan, by=job.created_by)
            _finish(job, ImportState.DONE)
    except UnusableFile as e:
        _finish(job, ImportState.FAILED, message=e.message)


def _job_scope(job: ImportJob) -> Scope:
    # The job keeps the scope its uploader had: one town, or every town.
    return Scope({job.town_id}) if job.town_id else Scope(None)


def _given_up(attempts: int) -> str:
    return _(
        "处理该文件时程序已 %(n)d 次异常中止，已停止处理，未写入任何数据。"
        "请检查文件（或拆分后分批导入），或联系系统管理员。"
    ) % {"n": attempts}


def _discard_file(job: ImportJob) -> None:
    """Remove the stored upload of a job that will never read it again."""
    if job.file:
        job.file.storage.delete(job.file.name)
        job.file = ""


def _finish(job: ImportJob, state: str, *, message: str = "", finished: bool = True) -> None:
    if state == ImportState.FAILED:
        _discard_file(job)  # an unusable (perhaps hostile) file is not kept
    job.state = state
    job.message = message
    job.processed_rows = job.total_rows
    job.finished_at = timezone.now() if finished else None
    job.save()
