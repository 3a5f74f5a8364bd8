"""Milestone reminders: the calendar, the figures, the recipients, and never twice."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.models import Household, HouseholdStatus, Milestone, ReminderLog
from tasks.progress.reminders import fires_on, reminders_send
from tests.tasks.progress.conftest import add_households
from zichuan_heating.models import Notification

pytestmark = pytest.mark.django_db

D = datetime.date


def run_command(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("send_reminders", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def season(programme, two_towns, official_a, official_b, district, approved_plan_a):
    """洪山镇: plan approved, 301 of 458 built, none accepted. 昆仑镇: no approved plan, all
    500 built and accepted."""
    town_a, town_b = two_towns
    add_households(programme, town_a, HouseholdStatus.BUILT, 301)
    add_households(programme, town_a, HouseholdStatus.UNDER_CONSTRUCTION, 157)
    add_households(programme, town_b, HouseholdStatus.ACCEPTED, 500)
    return town_a, town_b


@pytest.fixture
def plans_approved(season, approved_plan_b):
    """The same, with 昆仑镇's plan approved too: only 洪山镇 lags (construction, acceptance)."""
    return season


def test_reminders_fire_14_7_3_and_1_days_before_and_daily_once_overdue():
    firing = [d for d in range(-3, 20) if fires_on(d)]
    assert firing == [-3, -2, -1, 1, 3, 7, 14]


def test_a_whole_season_day_by_day_fires_exactly_on_the_reminder_days(season):
    town_a, _town_b = season
    fired: dict[tuple[str, str], list[D]] = {}
    day = D(2021, 5, 1)
    while day <= D(2021, 10, 31):
        for r in run_command("--today", day.isoformat()):
            fired.setdefault((r["town"], r["milestone"]), []).append(day)
        if day == D(2021, 9, 5):
            # 洪山镇 finishes construction: its 8/30 reminders stop, the 9/30 ones go on.
            Household.objects.filter(town=town_a).update(status=HouseholdStatus.BUILT)
        day += datetime.timedelta(days=1)

    def days(start: D, end: D) -> list[D]:
        return [start + datetime.timedelta(n) for n in range((end - start).days + 1)]

    plan = [D(2021, 6, 1), D(2021, 6, 8), D(2021, 6, 12), D(2021, 6, 14)]
    construction = [D(2021, 8, 16), D(2021, 8, 23), D(2021, 8, 27), D(2021, 8, 29)]
    acceptance = [D(2021, 9, 16), D(2021, 9, 23), D(2021, 9, 27), D(2021, 9, 29)]
    assert fired[("kunlun", "plan")] == plan + days(D(2021, 6, 16), D(2021, 10, 31))
    assert fired[("hongshan", "construction")] == construction + days(D(2021, 8, 31), D(2021, 9, 5))
    assert fired[("hongshan", "acceptance")] == acceptance + days(D(2021, 10, 1), D(2021, 10, 31))
    # No reminder for a milestone a town meets: 洪山镇's plan, 昆仑镇's construction/acceptance.
    assert set(fired) == {
        ("kunlun", "plan"),
        ("hongshan", "construction"),
        ("hongshan", "acceptance"),
        (None, "digest"),
    }
    # The district office's digest goes out on every day any town reminder does, once.
    town_days = sorted({d for key, ds in fired.items() if key[0] for d in ds})
    assert fired[(None, "digest")] == town_days
    assert ReminderLog.objects.count() == sum(len(ds) for ds in fired.values())


def test_a_rerun_on_the_same_day_sends_nothing_again(plans_approved, official_a):
    programme = plans_approved[0].quotas.first().programme
    first = reminders_send(programme=programme, today=D(2021, 8, 23))
    outbox = len(mail.outbox)
    notifications = Notification.objects.count()
    second = reminders_send(programme=programme, today=D(2021, 8, 23))
    assert [r["milestone"] for r in first] == ["construction", "digest"]
    assert second == []
    assert len(mail.outbox) == outbox == 2
    assert Notification.objects.count() == notifications


def test_dry_run_lists_recipients_and_sends_nothing(plans_approved, official_a, district):
    result = run_command("--today", "2021-08-27", "--dry-run")
    assert result == [
        {
            "town": "hongshan",
            "town_name": "洪山镇",
            "milestone": "construction",
            "due": "2021-08-30",
            "days_left": 3,
            "subject": "【节点提醒】洪山镇 工程建设：距 8月30日 还有 3 天",
            "recipients": ["official_a@zichuan.local"],
            "status": "would_send",
        },
        {
            "town": None,
            "town_name": "全区",
            "milestone": "digest",
            "due": "2021-08-30",
            "days_left": 3,
            "subject": "【节点提醒】全区汇总 2021-08-27：1 个镇（街道）未达到时间节点",
            "recipients": ["district@zichuan.local"],
            "status": "would_send",
        },
    ]
    assert mail.outbox == []
    assert ReminderLog.objects.count() == 0
    assert Notification.objects.count() == 0


def test_reminder_emails_reach_a_real_smtp_server_with_the_towns_figures(
    plans_approved, smtp_server, official_a, official_b, district, programme
):
    sent = reminders_send(programme=programme, today=D(2021, 8, 23))
    assert len(sent) == 2
    assert len(smtp_server.received) == 2
    (to_town, town_msg), (to_district, digest) = smtp_server.received
    assert to_town == ["official_a@zichuan.local"]
    assert smtp_server.subject(town_msg) == "【节点提醒】洪山镇 工程建设：距 8月30日 还有 7 天"
    body = smtp_server.body(town_msg)
    assert "建设任务 458 户，已完工 301 户，还差 157 户，距 8月30日 还有 7 天" in body
    assert to_district == ["district@zichuan.local"]
    assert (
        smtp_server.subject(digest)
        == "【节点提醒】全区汇总 2021-08-23：1 个镇（街道）未达到时间节点"
    )
    digest_body = smtp_server.body(digest)
    assert "工程建设（距 8月30日 还有 7 天）：1 个镇（街道）未完成" in digest_body
    assert "洪山镇：建设任务 458 户，已完工 301 户，还差 157 户" in digest_body
    assert "昆仑镇" not in digest_body
    # The in-app list has the same reminder, for the official and the office only.
    assert sorted(Notification.objects.values_list("recipient__username", "title")) == [
        ("district", smtp_server.subject(digest)),
        ("official_a", smtp_server.subject(town_msg)),
    ]
    assert not Notification.objects.filter(recipient=official_b).exists()


def test_overdue_reminders_say_how_many_days_late(season, programme, smtp_server):
    reminders_send(programme=programme, today=D(2021, 9, 2))
    subjects = smtp_server.subjects()
    assert "【节点提醒】洪山镇 工程建设：已超过 8月30日 3 天" in subjects
    assert "【节点提醒】昆仑镇 实施方案：已超过 6月15日 79 天" in subjects


def test_a_failed_email_releases_its_claim_so_a_retry_sends_it(plans_approved, programme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens there
    with pytest.raises(OSError):
        reminders_send(programme=programme, today=D(2021, 8, 23))
    assert ReminderLog.objects.count() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert len(reminders_send(programme=programme, today=D(2021, 8, 23))) == 2
    assert ReminderLog.objects.filter(milestone=Milestone.CONSTRUCTION).count() == 1


def test_the_query_count_does_not_grow_with_the_households(plans_approved, programme):
    town_a, _ = plans_approved

    def count_queries(day: D) -> int:
        with CaptureQueriesContext(connection) as ctx:
            reminders_send(programme=programme, today=day)
        return len(ctx.captured_queries)

    small = count_queries(D(2021, 8, 16))
    add_households(programme, town_a, HouseholdStatus.SURVEYED, 400)
    large = count_queries(D(2021, 8, 23))
    assert small == large
    assert large <= 20


def test_send_reminders_job_runs_for_the_active_programme(plans_approved):
    from tasks.progress.jobs import send_reminders_job

    assert send_reminders_job.delay("2021-08-23").get() == 2
    assert ReminderLog.objects.filter(day=D(2021, 8, 23)).count() == 2
