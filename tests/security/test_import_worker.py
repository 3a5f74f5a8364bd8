"""With a real Redis and a real Celery worker: a ledger file whose validation kills the worker
is redelivered (acks_late, reject_on_worker_lost) but not for ever: after
LEDGER_IMPORT_MAX_ATTEMPTS runs the job ends as failed, with a message, and nothing written."""

import json
import os
import uuid

import pytest
from celery import Celery
from django.core.files.base import ContentFile
from django.db import connection

from tasks.models import Household, ImportJob, ImportState
from tests.tasks.ledger.ledger_files import row, xlsx
from tests.tasks.progress.test_worker import (
    REDIS_URL,
    Worker,
    _redis_reachable,
    wait_for,
    wait_until_settled,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_file_that_kills_the_worker_ends_as_failed_after_three_attempts(
    programme, official_a, tmp_path, settings
):
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    job = ImportJob(programme=programme, town=official_a.town, created_by=official_a)
    job.original_name = "killer.xlsx"
    good = xlsx(tmp_path / "killer.xlsx", [row()])
    job.file.save("killer.xlsx", ContentFile(good.read_bytes()), save=True)
    env = {
        **os.environ,
        # zichuan_heating.settings_test, plus a module that makes every validation kill the
        # pool process (tests/security/worker_crash.py)
        "DJANGO_SETTINGS_MODULE": "tests.security.crash_settings",
        "REDIS_URL": REDIS_URL,
        "ZH_TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "ZH_MEDIA_ROOT": str(media),
        "ZH_CELERY_TRANSPORT_OPTIONS": json.dumps(
            {"visibility_timeout": 4, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
        ),
        "PYTHONUNBUFFERED": "1",
    }
    queue = f"test-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    producer = Celery(broker=REDIS_URL, set_as_current=False)  # eager jobs stay eager
    worker = Worker(env, queue, log)
    try:
        producer.send_task("tasks.ledger.jobs.ledger_import_job", args=[job.pk], queue=queue)
        wait_for(
            lambda: ImportJob.objects.filter(pk=job.pk, state=ImportState.FAILED).exists(),
            180,
            "the job to be given up",
            log,
        )
        # Any further redelivery (the short visibility timeout) runs before the message is
        # settled, and must do nothing.
        wait_until_settled(queue, log)
    finally:
        worker.stop()
        producer.close()
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert job.attempts == settings.LEDGER_IMPORT_MAX_ATTEMPTS == 3
    assert job.message == (
        "处理该文件时程序已 3 次异常中止，已停止处理，未写入任何数据。"
        "请检查文件（或拆分后分批导入），或联系系统管理员。"
    )
    assert job.finished_at is not None
    assert Household.objects.count() == 0
    assert [p for p in media.rglob("*") if p.is_file()] == []  # the file is not kept
    text = log.read_text(errors="replace")
    assert text.count("WorkerLostError") >= 3
