"""The behind-schedule rule with exact dates, and plan state against the 6/15 milestone."""

import datetime
from decimal import Decimal

import pytest

from tasks.models import TownPlan
from tasks.plans import queries as pq
from tasks.plans import services as ps
from tests.tasks.plans.plan_helpers import approved_plan, draft_plan

D = datetime.date


def state(programme, *, approved_on, quota=200, today) -> pq.TownPlanState:
    return pq.TownPlanState(
        town_id=1,
        town_code="t",
        town_name="测试镇",
        quota=quota,
        in_force=None,
        working=None,
        first_approved_on=approved_on,
        plan_due=programme.plan_due,
        today=today,
    )


def rule(programme, *, approved_on, built, today, threshold="10", accepted=0, quota=200):
    return pq.schedule_for(
        plan=state(programme, approved_on=approved_on, quota=quota, today=today),
        programme=programme,
        built=built,
        accepted=accepted,
        threshold=Decimal(threshold),
        today=today,
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2021, 6, 1), "0.0"),
        (D(2021, 5, 20), "0.0"),
        (D(2021, 6, 2), "1.1"),
        (D(2021, 7, 16), "50.0"),
        (D(2021, 8, 29), "98.9"),
        (D(2021, 8, 30), "100.0"),
        (D(2021, 9, 15), "100.0"),
    ],
)
def test_straight_line_from_approval_on_6_1_to_8_30(today, expected):
    # 6/1 to 8/30 is 90 days.
    assert pq.straight_line_percent(D(2021, 6, 1), D(2021, 8, 30), today) == Decimal(expected)


def test_no_approval_means_no_straight_line():
    assert pq.straight_line_percent(None, D(2021, 8, 30), D(2021, 7, 1)) is None


def test_a_gap_of_exactly_the_threshold_is_not_behind(programme):
    # 7/16 is halfway: 50.0 % expected; 80 of 200 built is 40.0 %: a gap of 10.0 points.
    r = rule(programme, approved_on=D(2021, 6, 1), built=80, today=D(2021, 7, 16))
    assert (r.expected_percent, r.built_percent, r.gap) == (
        Decimal("50.0"),
        Decimal("40.0"),
        Decimal("10.0"),
    )
    assert r.missed == []
    assert not r.behind


def test_a_gap_beyond_the_threshold_is_behind(programme):
    r = rule(programme, approved_on=D(2021, 6, 1), built=79, today=D(2021, 7, 16))
    assert r.gap == Decimal("10.5")
    assert r.lagging and r.behind
    assert not rule(
        programme, approved_on=D(2021, 6, 1), built=79, today=D(2021, 7, 16), threshold="10.5"
    ).behind


def test_approval_after_6_15_misses_the_plan_milestone(programme):
    on_time = rule(programme, approved_on=D(2021, 6, 15), built=0, today=D(2021, 6, 16))
    late = rule(programme, approved_on=D(2021, 6, 16), built=0, today=D(2021, 6, 16))
    assert (on_time.missed, on_time.behind) == ([], False)
    assert (late.missed, late.behind) == (["实施方案"], True)


def test_no_plan_is_behind_only_after_6_15(programme):
    assert rule(programme, approved_on=None, built=0, today=D(2021, 6, 15)).behind is False
    r = rule(programme, approved_on=None, built=0, today=D(2021, 6, 16))
    assert (r.missed, r.expected_percent, r.behind) == (["实施方案"], None, True)


def test_construction_and_acceptance_milestones(programme):
    approved = D(2021, 6, 1)
    assert rule(programme, approved_on=approved, built=199, today=D(2021, 8, 30)).missed == []
    assert rule(programme, approved_on=approved, built=199, today=D(2021, 8, 31)).missed == [
        "工程建设"
    ]
    full = rule(programme, approved_on=approved, built=200, accepted=199, today=D(2021, 9, 30))
    assert (full.missed, full.behind) == ([], False)
    late = rule(programme, approved_on=approved, built=200, accepted=199, today=D(2021, 10, 1))
    assert late.missed == ["调试验收"]


def test_plan_states_use_the_first_approval_date_in_local_time(
    programme, town_a, official_a, district
):
    plan = approved_plan(programme, town_a, official_a, district)
    # 16:30 UTC on 6/15 is already 00:30 on 6/16 in Zichuan: the milestone is missed.
    late = datetime.datetime(2021, 6, 15, 16, 30, tzinfo=datetime.UTC)
    TownPlan.objects.filter(pk=plan.pk).update(approved_at=late)
    rows = {s.town_code: s for s in pq.plan_states(programme, official_a, D(2021, 7, 1))}
    assert list(rows) == ["hongshan"]
    assert rows["hongshan"].first_approved_on == D(2021, 6, 16)
    assert rows["hongshan"].overdue and not rows["hongshan"].met_on_time

    # A later revision approved in August does not move the first approval date.
    new = ps.plan_update(plan=plan, by=official_a, summary="修订")
    ps.plan_submit(plan=new, by=official_a)
    ps.plan_approve(plan=new, by=district)
    rows = {s.town_code: s for s in pq.plan_states(programme, district, D(2021, 9, 1))}
    assert rows["hongshan"].first_approved_on == D(2021, 6, 16)
    assert rows["hongshan"].in_force.pk == new.pk
    assert rows["hongshan"].label == "已核准（第2版）"
    assert rows["kunlun"].label == "未编制"
    assert len(rows) == 9


def test_plan_state_label_shows_a_pending_revision(programme, town_a, official_a, district):
    plan = approved_plan(programme, town_a, official_a, district)
    new = ps.plan_update(plan=plan, by=official_a, summary="修订")
    ps.plan_submit(plan=new, by=official_a)
    (row,) = pq.plan_states(programme, official_a, D(2021, 7, 1))
    assert row.label == "已核准（第1版）；第2版已报送"


def test_town_overview_uses_the_threshold_the_office_set(programme, town_a, district):
    ps.schedule_setting_update(
        programme=programme, by=district, behind_threshold_percent=Decimal("25")
    )
    rows = pq.town_overview(programme, district, D(2021, 6, 1))
    assert {r.threshold for r in rows} == {Decimal("25.0")}
    assert len(rows) == 9
    assert all(not r.behind for r in rows)  # before 6/15 nobody is behind yet


def test_draft_plan_is_not_approved_for_the_milestone(programme, town_a, official_a):
    draft_plan(programme, town_a, official_a)
    (row,) = pq.plan_states(programme, official_a, D(2021, 6, 16))
    assert (row.label, row.overdue, row.in_force) == ("草稿", True, None)
