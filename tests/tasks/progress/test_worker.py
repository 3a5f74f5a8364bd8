"""Reliability with a real Redis and a real Celery worker started by the test.

The worker is a subprocess on its own queue, pointed at this test's database (its name passed
through ZH_TEST_DATABASE_NAME) and with a visibility timeout of a few seconds, so a message
lost with a killed worker comes back quickly.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection, connections

from tasks.models import HouseholdStatus, ReminderLog, ReportJob, ReportKind, ReportState
from tasks.progress.reminders import reminders_send
from tests.tasks.progress.conftest import add_households

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]


# fmt: off
WORKER_COMMAND = [
    sys.executable, "-m", "celery", "-A", "zichuan_heating", "worker", "-P", "prefork", "-c", "1",
    "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
]
# fmt: on


class Worker:
    """`celery worker` in its own process group, so SIGKILL takes the pool child too."""

    def __init__(self, env: dict[str, str], queue: str, log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [*WORKER_COMMAND, "-Q", queue, "-n", f"{uuid.uuid4().hex[:8]}@%h"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    detail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{detail}")


def broker_holds(queue: str) -> bool:
    """Whether Redis still holds a message of `queue`: waiting in the queue, or delivered and
    not yet acknowledged (the copy the visibility timeout would deliver again)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        if any(client.llen(key) for key in client.scan_iter(match=f"{queue}*", _type="list")):
            return True
        return any(queue.encode() in raw for raw in client.hvals("unacked"))
    finally:
        client.close()


def wait_until_settled(queue: str, log: Path) -> None:
    """Wait until no copy of the queue's messages is left to deliver again, twice in a row
    (a restore runs every second): from then on no redelivery can happen, without a sleep."""
    for _ in range(2):
        wait_for(lambda: not broker_holds(queue), 60, "every message acknowledged", log)
        time.sleep(0.5)


@pytest.fixture
def worker_env(tmp_path):
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    db = connection.settings_dict
    reports = tmp_path / "reports"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zichuan_heating.settings_test",
        "REDIS_URL": REDIS_URL,
        "ZH_TEST_DATABASE_NAME": str(db["NAME"]),
        "ZH_REPORTS_DIR": str(reports),
        "ZH_REPORT_RENDER_HOLD": str(tmp_path / "hold-render"),
        "ZH_CELERY_TRANSPORT_OPTIONS": json.dumps(
            {"visibility_timeout": 4, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
        ),
        "PYTHONUNBUFFERED": "1",
    }
    return env, reports


def test_a_worker_killed_mid_render_leaves_one_file_and_one_finished_job(
    programme, town_a, worker_env, tmp_path, settings
):
    env, reports = worker_env
    settings.REPORTS_DIR = reports
    add_households(programme, town_a, HouseholdStatus.BUILT, 30)
    job = ReportJob.objects.create(kind=ReportKind.TOWN, programme=programme, town=town_a)
    queue = f"test-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    producer = Celery(broker=REDIS_URL, set_as_current=False)  # eager jobs stay eager
    hold = Path(env["ZH_REPORT_RENDER_HOLD"])
    hold.touch()  # the first worker's finished render waits here until it is killed
    first = Worker(env, queue, log)
    second = None
    try:
        producer.send_task("tasks.progress.jobs.render_report_job", args=[job.pk], queue=queue)
        # The render is done and the worker sleeps before the rename: the partial file exists.
        wait_for(lambda: list((reports / "tmp").glob(f"job-{job.pk}.*.part")), 120, "render", log)
        first.kill()
        job.refresh_from_db()
        assert job.state == ReportState.RUNNING
        assert list(reports.glob("*.pdf")) == []

        hold.unlink()
        second = Worker(env, queue, log)
        wait_for(
            lambda: ReportJob.objects.filter(pk=job.pk, state=ReportState.DONE).exists(),
            180,
            "the redelivered job to finish",
            log,
        )
        # Any further redelivery (the short visibility timeout) runs before the message is
        # settled, and must do nothing.
        wait_until_settled(queue, log)
    finally:
        first.kill()
        if second:
            second.stop()
        producer.close()

    job.refresh_from_db()
    assert job.state == ReportState.DONE
    assert job.attempts == 2  # the killed run and the one that finished
    files = sorted(p.name for p in reports.iterdir() if p.is_file())
    assert files == [f"report-{job.pk}.pdf"]
    assert (reports / files[0]).read_bytes().startswith(b"%PDF")
    assert list((reports / "tmp").iterdir()) == []
    assert ReportJob.objects.count() == 1
    assert "render_report_job" in log.read_text(errors="replace")


def test_two_beat_runs_for_the_same_day_send_each_reminder_once(
    programme,
    town_a,
    town_b,
    official_a,
    official_b,
    district,
    smtp_server,
    approved_plan_a,
    approved_plan_b,
):
    import datetime

    from tasks.models import Quota

    Quota.objects.filter(programme=programme).exclude(town__in=[town_a, town_b]).delete()
    add_households(programme, town_a, HouseholdStatus.BUILT, 100)
    day = datetime.date(2021, 8, 29)
    barrier = threading.Barrier(2)
    results: list = []
    errors: list = []

    def beat() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(reminders_send(programme=programme, today=day))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    # 洪山镇 and 昆仑镇 both lag construction (1 day left), plus the digest: three e-mails.
    assert len(smtp_server.received) == 3
    assert sorted(smtp_server.subjects()) == sorted(
        [
            "【节点提醒】洪山镇 工程建设：距 8月30日 还有 1 天",
            "【节点提醒】昆仑镇 工程建设：距 8月30日 还有 1 天",
            "【节点提醒】全区汇总 2021-08-29：2 个镇（街道）未达到时间节点",
        ]
    )
    assert sum(len(r) for r in results) == 3
    assert ReminderLog.objects.filter(day=day).count() == 3
