"""The demo's town plans: drafted from the towns' households, submitted and approved around
6/15 with two towns late (supervised, answered, closed), and the work left waiting today."""

import datetime
from collections import Counter

from django.utils import timezone

from tasks.models import SupervisionNotice, TownPlan, TownPlanSubmission
from tasks.models.plans import PlanReview
from tasks.plans.services import (
    notice_answer,
    notice_close,
    notice_issue,
    plan_approve,
    plan_create,
    plan_submit,
    plan_update,
)
from zichuan_heating.demo.common import Cast, Progress, at, backdate
from zichuan_heating.demo.households import DemoHousehold

#: The two towns whose plans came after the 6/15 deadline.
LATE_TOWNS = ("shuangyang", "xihe")
#: The town whose second revision waits for the district office's review.
REVISING_TOWN = "kunlun"
#: The town whose official finds an open supervision notice.
SUPERVISED_TOWN = "hongshan"

EMERGENCY = (
    "镇清洁取暖工作专班24小时值班，值班电话0533-5180000；燃气企业、设备安装企业各组建抢修队伍，"
    "接报后30分钟内到场；各村明确一名联络员。"
)


def _lines(cast: Cast, rows: list[DemoHousehold]) -> list[dict]:
    counts = Counter((r.village, r.route, r.contractor) for r in rows)
    lines = []
    for (village, route, contractor), n in sorted(
        counts.items(), key=lambda kv: (kv[0][0].code, kv[0][0].name, kv[0][1])
    ):
        lines.append(
            {
                "village": village,
                "route": route,
                "households": n,
                "planned_start": datetime.date(2021, 6, 20),
                "planned_finish": cast.programme.construction_due,
                "contractor": contractor,
                "contractor_safety_officer": contractor.contact_person or "企业安全员",
                "contractor_safety_phone": contractor.contact_phone or "0533-5180001",
                "village_safety_officer": f"{village.name}安全员",
                "village_safety_phone": f"1390533{village.pk % 10000:04d}",
            }
        )
    return lines


def plans_approve(cast: Cast, rows: list[DemoHousehold], progress: Progress) -> None:
    """Each town drafts and submits its plan; the district office approves it. The two late
    towns are supervised first, then approved after the deadline."""
    due = cast.programme.plan_due
    for i, town in enumerate(cast.towns):
        official = cast.officials[town.code]
        mine = [r for r in rows if r.town == town and r.completed_on is not None]
        plan = plan_create(
            programme=cast.programme,
            town=town,
            by=official,
            lines=_lines(cast, mine),
            summary=f"{town.name}2021年冬季清洁取暖改造{len(mine)}户，按村分线路组织实施。",
            emergency_arrangements=EMERGENCY,
        )
        late = town.code in LATE_TOWNS
        if late:
            _supervise_late(cast, town)
        submitted = (
            (due + datetime.timedelta(days=5 + i % 3))
            if late
            else due - datetime.timedelta(days=4 + i % 4)
        )
        approved = submitted + datetime.timedelta(days=2 if late else 1 + i % 3)
        approved = approved if late else min(approved, due)
        plan_submit(plan=plan, by=official)
        plan_approve(plan=plan, by=cast.district, comment="经审核，同意实施。")
        _backdate_plan(plan, at(submitted, 9), at(approved, 16))
    progress(f"  plans: {len(cast.towns)} approved, {len(LATE_TOWNS)} after {due:%m-%d}")


def _backdate_plan(
    plan: TownPlan, submitted: datetime.datetime, approved: datetime.datetime
) -> None:
    backdate(
        TownPlan.objects.filter(pk=plan.pk),
        submitted_at=submitted,
        approved_at=approved,
        created_at=submitted - datetime.timedelta(days=3),
    )
    backdate(TownPlanSubmission.objects.filter(plan=plan), submitted_at=submitted)
    backdate(PlanReview.objects.filter(plan=plan), reviewed_at=approved)


def _supervise_late(cast: Cast, town) -> None:
    """The district office supervises a town whose plan is late; it answers, the office closes."""
    due = cast.programme.plan_due
    notice = notice_issue(
        programme=cast.programme,
        town=town,
        by=cast.district,
        title="实施方案未按期报送",
        problem=f"{town.name}实施方案未在{due:%Y年%m月%d日}前报送区清洁取暖办，请立即整改。",
        deadline=max(cast.today, timezone.localdate()),
    )
    notice_answer(
        notice=notice,
        by=cast.officials[town.code],
        answer="已召开专题会议，逐村核实改造户数和技术路线，方案已完成编制并报送。",
    )
    notice_close(notice=notice, by=cast.district, comment="方案已报送，予以销号。")
    issued = due + datetime.timedelta(days=1)
    backdate(
        SupervisionNotice.objects.filter(pk=notice.pk),
        issued_at=at(issued, 9),
        deadline=issued + datetime.timedelta(days=5),
        answered_at=at(issued + datetime.timedelta(days=4), 15),
        closed_at=at(issued + datetime.timedelta(days=7), 11),
    )


def work_waiting(cast: Cast, progress: Progress) -> None:
    """Today's work: a notice for a town official to answer, a revision for the office."""
    town = next(t for t in cast.towns if t.code == SUPERVISED_TOWN)
    notice_issue(
        programme=cast.programme,
        town=town,
        by=cast.district,
        title="燃煤炉具拆除情况核查",
        problem=f"请{town.name}核查已验收改造户原有燃煤炉具拆除情况，并在台账中登记拆除日期。",
        deadline=max(cast.today, timezone.localdate()) + datetime.timedelta(days=14),
    )
    town = next(t for t in cast.towns if t.code == REVISING_TOWN)
    official = cast.officials[town.code]
    approved = TownPlan.objects.get(programme=cast.programme, town=town, status="approved")
    revision = plan_update(
        plan=approved,
        by=official,
        emergency_arrangements=EMERGENCY + "采暖季期间增设镇级抢修点两处。",
    )
    plan_submit(plan=revision, by=official)
    progress(
        f"  waiting: a notice for official-{SUPERVISED_TOWN}, "
        f"revision {revision.revision} of official-{REVISING_TOWN}'s plan for district"
    )
