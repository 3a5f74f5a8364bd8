"""A case's whole life, on a calendar stepped day by day: opened, assigned, reminded when
overdue, escalated, turned into a supervision notice, resolved, closed, reopened; and who sees
what (a suspected false claim: the district office alone)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tasks.models import NoticeState
from visits import services
from visits.models import Case, CaseAction, CaseCategory, CaseSource, CaseStatus
from visits.models.cases import ESCALATE_AFTER_DAYS

pytestmark = pytest.mark.django_db
DAY1 = datetime.date(2026, 12, 1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def open_case(town, by, category=CaseCategory.SAFETY, **kw):
    kw.setdefault("source", CaseSource.HOTLINE)
    kw.setdefault("hotline_number", "12345-20261201-0001")
    return services.case_open(
        town=town,
        category=category,
        title="燃气报警器长鸣",
        description="户主来电称报警器长鸣。",
        by=by,
        **kw,
    )


def actions(case):
    return list(case.events.order_by("at", "id").values_list("action", flat=True))


def test_a_safety_case_through_its_whole_life_day_by_day(
    programme, town_a, official_a, district, mailoutbox
):
    case = open_case(town_a, district, now=at(DAY1))
    assert case.status == CaseStatus.ASSIGNED
    assert case.deadline == at(DAY1 + datetime.timedelta(days=1))
    assert official_a.notifications.get().title.startswith(f"{case.number} 新工单")
    log = []
    for n in range(6):
        day = DAY1 + datetime.timedelta(days=n)
        sent = services.case_reminders_send(today=day)
        assert services.case_reminders_send(today=day) == []  # a rerun sends nothing
        log.append((n, [s["action"] for s in sent]))
        if n == 3:
            case.refresh_from_db()
            assert case.escalated_at is not None
            notice = services.case_to_notice(
                case=case, by=district, deadline=day + datetime.timedelta(days=3)
            )
            assert notice.town == town_a and notice.state == NoticeState.OPEN
            assert notice.title.startswith(f"工单 {case.number} 逾期未办结")
        if n == 4:
            services.case_start(case=case, by=official_a, note="已联系燃气公司")
            services.case_resolve(case=case, by=official_a, resolution="更换报警器，试验正常。")
    # Deadline 12-02 10:00: overdue from 12-03, escalated after two days overdue, quiet once
    # resolved.
    assert ESCALATE_AFTER_DAYS == 2
    assert log == [
        (0, []),
        (1, []),
        (2, ["逾期提醒"]),
        (3, ["逾期提醒", "逾期上报区办"]),
        (4, ["逾期提醒"]),
        (5, []),
    ]
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.notice is not None
    services.case_close(case=case, by=district, note="回访确认")
    case = services.case_reopen(
        case=case, by=district, reason="户主再次来电", now=at(DAY1 + datetime.timedelta(days=6))
    )
    assert case.status == CaseStatus.REOPENED
    assert case.deadline == at(DAY1 + datetime.timedelta(days=7))
    assert actions(case) == [
        CaseAction.OPEN,
        CaseAction.ASSIGN,
        CaseAction.REMIND,
        CaseAction.REMIND,
        CaseAction.ESCALATE,
        CaseAction.NOTICE,
        CaseAction.REMIND,
        CaseAction.START,
        CaseAction.RESOLVE,
        CaseAction.CLOSE,
        CaseAction.REOPEN,
    ]
    trail = list(case.events.order_by("at", "id"))
    assert [e.by for e in trail if e.action == CaseAction.REMIND] == [None, None, None]
    assert (trail[-3].by, trail[-3].from_status, trail[-3].to_status) == (
        official_a,
        CaseStatus.IN_PROGRESS,
        CaseStatus.RESOLVED,
    )
    assert district.notifications.filter(title__startswith="【工单上报】").count() == 1
    assert any("【工单逾期】" in m.subject for m in mailoutbox)


def test_each_step_is_refused_for_the_wrong_person_or_the_wrong_state(
    programme, town_a, official_a, official_b, district, finance
):
    case = open_case(town_a, official_a)
    with pytest.raises(PermissionDenied):
        services.case_start(case=case, by=official_b)
    with pytest.raises(PermissionDenied):
        services.case_close(case=case, by=official_a)
    with pytest.raises(ValidationError):
        services.case_resolve(case=case, by=official_a, resolution="x")  # not started
    services.case_start(case=case, by=official_a)
    with pytest.raises(ValidationError) as err:
        services.case_resolve(case=case, by=official_a, resolution="  ")
    assert "resolution" in err.value.error_dict
    with pytest.raises(PermissionDenied):
        open_case(town_a, official_b)
    with pytest.raises(PermissionDenied):
        open_case(town_a, finance)
    with pytest.raises(ValidationError) as err:
        open_case(town_a, official_a, hotline_number="")
    assert "hotline_number" in err.value.error_dict


def test_a_suspected_false_claim_is_seen_by_the_district_office_alone(
    programme, town_a, official_a, district, administrator, finance
):
    case = open_case(
        town_a, official_a, category=CaseCategory.FALSE_CLAIM, source=CaseSource.COMPLAINT
    )
    assert case.sensitive
    assert not official_a.notifications.filter(title__contains=case.number).exists()
    assert district.notifications.filter(title__contains=case.number).exists()
    assert list(Case.objects.for_user(district)) == [case]
    for user in (official_a, administrator, finance):
        assert not Case.objects.for_user(user).exists()
    # The district handles it itself and never turns it into a notice for the town.
    with pytest.raises(PermissionDenied):
        services.case_start(case=case, by=official_a)
    services.case_start(case=case, by=district)
    with pytest.raises(ValidationError):
        services.case_to_notice(case=case, by=district, deadline=timezone.localdate())


def test_the_database_ties_sensitivity_to_the_category(programme, town_a, district):
    from django.db import IntegrityError, transaction

    case = open_case(town_a, district, category=CaseCategory.NO_HEAT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(category=CaseCategory.FALSE_CLAIM)
    case.refresh_from_db()
    assert (case.category, case.sensitive) == (CaseCategory.NO_HEAT, False)


def test_the_beat_runs_the_case_reminders_every_day():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["case-reminders-daily"]
    assert entry["task"] == "visits.jobs.case_reminders_job"
    from visits.jobs import case_reminders_job

    assert case_reminders_job.name == "visits.jobs.case_reminders_job"


def test_the_district_reassigns_a_case_given_to_the_wrong_town(
    programme, town_a, town_b, official_a, official_b, district
):
    case = open_case(town_a, district, category=CaseCategory.NO_HEAT)
    services.case_start(case=case, by=official_a)
    with pytest.raises(PermissionDenied):
        services.case_reassign(case=case, town=town_b, by=official_a, reason="不属本镇")
    with pytest.raises(ValidationError) as err:
        services.case_reassign(case=case, town=town_a, by=district, reason="")
    assert set(err.value.error_dict) == {"town", "reason"}
    case = services.case_reassign(case=case, town=town_b, by=district, reason="地址在昆仑镇")
    assert (case.town, case.status) == (town_b, CaseStatus.ASSIGNED)
    assert actions(case)[-1] == CaseAction.REASSIGN
    assert case.events.last().note == "由 洪山镇 改派 昆仑镇：地址在昆仑镇"
    assert official_b.notifications.filter(title__contains="改派本镇办理").exists()
    assert not Case.objects.for_user(official_a).exists()
    services.case_start(case=case, by=official_b)
