"""The life of a finding: recorded open, rectified by the town, verified by someone else (or
sent back), with history; the daily reminder of overdue ones on a calendar stepped day by day."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from visits.models import FindingState, HazardFinding, HazardInspection, SafetyReminderLog
from visits.safety import services
from visits.safety.jobs import overdue_rectifications_job
from visits.safety.reminders import overdue_reminders_send
from zichuan_heating.models import Notification

from .conftest import record

pytestmark = pytest.mark.django_db


def test_a_finding_goes_open_rectified_verified_and_each_step_is_in_its_history(
    inspection_a, official_a, official_a2, today
):
    finding = inspection_a.findings.get(severity="major")
    assert finding.state == FindingState.OPEN
    assert finding.found_on == inspection_a.inspected_on

    services.finding_rectify(
        finding=finding,
        rectified_on=today,
        rectification="已为报警器接通电源并试验。",
        by=official_a,
    )
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFIED
    assert (finding.rectified_on, finding.rectified_by) == (today, official_a)
    assert finding.rectification == "已为报警器接通电源并试验。"

    services.finding_verify(finding=finding, by=official_a2, comment="现场核实报警正常。")
    finding.refresh_from_db()
    assert finding.state == FindingState.VERIFIED
    assert finding.verified_by == official_a2 and finding.verified_at is not None
    assert finding.review_comment == "现场核实报警正常。"

    steps = list(finding.history.order_by("history_date").values_list(
        "history_change_reason", "history_user__username", "state"
    ))  # fmt: skip
    assert steps == [
        ("登记隐患排查", "official_a", "open"),
        ("登记整改", "official_a", "rectified"),
        ("复核销号", "official_a2", "verified"),
    ]
    # The other finding of the inspection did not move.
    assert inspection_a.findings.get(severity="general").state == FindingState.OPEN


def test_who_registered_the_rectification_cannot_verify_it(inspection_a, official_a, today):
    finding = inspection_a.findings.first()
    services.finding_rectify(
        finding=finding, rectified_on=today, rectification="已整改。", by=official_a
    )
    with pytest.raises(ValidationError, match="不能复核自己登记的整改"):
        services.finding_verify(finding=finding, by=official_a)
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFIED


def test_the_district_may_send_a_rectification_back_and_the_town_is_told(
    inspection_a, official_a, district, today
):
    finding = inspection_a.findings.first()
    services.finding_rectify(
        finding=finding, rectified_on=today, rectification="已整改。", by=official_a
    )
    with pytest.raises(ValidationError, match="退回时必须说明理由"):
        services.finding_send_back(finding=finding, by=district, comment=" ")
    services.finding_send_back(finding=finding, by=district, comment="报警器仍不报警。")
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN
    assert finding.review_comment == "报警器仍不报警。"
    note = Notification.objects.get(recipient=official_a)
    assert note.title.startswith("隐患整改被退回") and note.body == "报警器仍不报警。"
    # Open again: it can be rectified again, and verified now by the district office.
    services.finding_rectify(
        finding=finding, rectified_on=today, rectification="已更换报警器。", by=official_a
    )
    services.finding_verify(finding=finding, by=district)
    assert HazardFinding.objects.get(pk=finding.pk).state == FindingState.VERIFIED


def test_a_finding_moves_only_along_its_flow(inspection_a, official_a, district, today):
    finding = inspection_a.findings.first()
    with pytest.raises(ValidationError, match="当前状态为“待整改”，不能复核销号"):
        services.finding_verify(finding=finding, by=district)
    services.finding_rectify(
        finding=finding, rectified_on=today, rectification="已整改。", by=official_a
    )
    with pytest.raises(ValidationError, match="不能登记整改"):
        services.finding_rectify(
            finding=finding, rectified_on=today, rectification="再次", by=official_a
        )


def test_other_towns_and_other_roles_may_not_act(
    inspection_a, official_b, district, finance, today
):
    finding = inspection_a.findings.first()
    for user in (official_b, district, finance):
        with pytest.raises(PermissionDenied):
            services.finding_rectify(
                finding=finding, rectified_on=today, rectification="x", by=user
            )
    with pytest.raises(PermissionDenied):
        services.inspection_record(
            town=inspection_a.town,
            village=inspection_a.village,
            inspected_on=today,
            inspectors="x",
            by=district,
        )


def test_a_bad_inspection_names_each_bad_finding_row_and_writes_nothing(
    town_a, village_a, village_b, official_a, today
):
    with pytest.raises(ValidationError) as caught:
        record(
            town_a,
            village_b,
            official_a,
            on=today,
            findings=[
                ("燃气报警器未通电。", "major", today + datetime.timedelta(days=3)),
                ("", "serious", today - datetime.timedelta(days=1)),
                ("缺灭火器。", "", None),
            ],
        )
    errors = caught.value.message_dict
    assert errors["village"] == ["该村（居）不属于本镇（街道）。"]
    assert errors["findings"] == [
        "第 2 条隐患：请填写隐患描述。",
        "第 2 条隐患：整改期限不能早于排查日期。",
        "第 3 条隐患：请选择隐患等级。",
        "第 3 条隐患：请填写整改期限。",
    ]
    with pytest.raises(ValidationError, match="排查日期不能晚于今天"):
        record(town_a, village_a, official_a, on=today + datetime.timedelta(days=1))
    assert not HazardInspection.objects.exists() and not HazardFinding.objects.exists()


def test_the_daily_reminder_on_a_stepped_calendar(
    town_a, village_a, official_a, official_a2, district, today
):
    """Inspected on day 0 with a 3-day deadline: nothing until day 4, then one reminder a day to
    the town's officials and one digest to the district, never twice a day; none once rectified."""
    day0 = today - datetime.timedelta(days=10)
    inspection = record(
        town_a,
        village_a,
        official_a,
        on=day0,
        findings=[("燃气软管老化开裂。", "serious", day0 + datetime.timedelta(days=3))],
    )
    finding = inspection.findings.get()
    sent_on = {}
    for n in range(0, 7):
        day = day0 + datetime.timedelta(days=n)
        mail.outbox.clear()
        results = overdue_reminders_send(today=day)
        again = overdue_reminders_send(today=day)  # a rerun, a retry, a second beat
        assert again == []
        sent_on[n] = [(r["town"], r["findings"]) for r in results]
        if n == 4:
            town_mail = next(m for m in mail.outbox if "洪山镇有 1 条" in m.subject)
            assert sorted(town_mail.to) == ["official_a2@zichuan.local", "official_a@zichuan.local"]
            assert "燃气软管老化开裂" in town_mail.body and "已逾期 1 天" in town_mail.body
            digest = next(m for m in mail.outbox if "全区" in m.subject)
            assert digest.to == ["district@zichuan.local"] and "洪山镇：1 条" in digest.body
        if n == 5:
            # Rectified on day 5 after that day's reminder went out.
            services.finding_rectify(
                finding=finding, rectified_on=day, rectification="已更换软管。", by=official_a
            )
    assert sent_on == {
        0: [],
        1: [],
        2: [],
        3: [],  # the deadline day itself: still in time
        4: [("hongshan", 1), (None, 1)],
        5: [("hongshan", 1), (None, 1)],
        6: [],
    }
    assert SafetyReminderLog.objects.filter(town=town_a).count() == 2
    assert (
        Notification.objects.filter(recipient=official_a, title__contains="隐患整改逾期").count()
        == 2
    )


def test_the_beat_job_sends_the_reminder_for_its_day(inspection_a, today):
    # inspection_a has one finding whose deadline was yesterday.
    assert overdue_rectifications_job.apply(args=[today.isoformat()]).get() == 2
    assert overdue_rectifications_job.apply(args=[today.isoformat()]).get() == 0


def test_a_long_reminder_lists_the_first_findings_and_counts_the_rest(
    monkeypatch, town_a, village_a, official_a, today
):
    from visits.safety import reminders

    monkeypatch.setattr(reminders, "MAX_LINES", 2)
    day0 = today - datetime.timedelta(days=5)
    record(
        town_a,
        village_a,
        official_a,
        on=day0,
        findings=[(f"隐患{n}", "general", day0) for n in range(5)],
    )
    overdue_reminders_send(today=today)
    town_mail = next(m for m in mail.outbox if "洪山镇有 5 条" in m.subject)
    assert "隐患0" in town_mail.body and "隐患1" in town_mail.body and "隐患2" not in town_mail.body
    assert "……另有 3 条，请在系统中查看。" in town_mail.body


def test_the_command_sends_a_days_reminders_once(inspection_a, today):
    import io
    import json

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("send_safety_reminders", "--today", today.isoformat(), "--json", stdout=out)
    assert [(r["town"], r["findings"]) for r in json.loads(out.getvalue())] == [
        ("hongshan", 1),
        (None, 1),
    ]
    out = io.StringIO()
    call_command("send_safety_reminders", "--today", today.isoformat(), stdout=out)
    assert out.getvalue().strip() == "已发送 0 条提醒。"
    with pytest.raises(CommandError, match="--today 应为 YYYY-MM-DD"):
        call_command("send_safety_reminders", "--today", "2021-13-45")
