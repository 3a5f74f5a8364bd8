"""Plan services: the submission checks, the workflow, revisions, notifications, permissions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tasks.models import (
    PlanReason,
    PlanReview,
    PlanStatus,
    ReviewDecision,
    TownPlan,
    TownPlanLine,
    TownPlanSubmission,
)
from tasks.plans import checks
from tasks.plans import services as ps
from tasks.plans.queries import approved_plan_town_ids
from tests.factories import UserFactory, VillageFactory
from tests.tasks.plans.plan_helpers import approved_plan, draft_plan, line_dicts, valid_lines
from zichuan_heating.models import Notification
from zichuan_heating.roles import Role


def messages_of(exc_info) -> list[str]:
    return exc_info.value.messages


def test_a_complete_plan_passes_every_check(programme, town_a, official_a):
    plan = draft_plan(programme, town_a, official_a)
    assert checks.plan_check(plan) == []
    assert plan.lines.count() == 2
    assert sum(plan.lines.values_list("households", flat=True)) == 458


def test_lines_short_of_the_quota_need_a_reason(programme, town_a, official_a):
    lines = valid_lines(town_a, 400)
    plan = draft_plan(programme, town_a, official_a, lines=lines)
    with pytest.raises(ValidationError) as exc:
        ps.plan_submit(plan=plan, by=official_a)
    assert messages_of(exc) == [
        "各村（居）合计 400 户，与本镇（街道）建设任务 458 户不一致，请填写原因说明。"
    ]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert TownPlanSubmission.objects.count() == 0

    plan = ps.plan_update(
        plan=plan, by=official_a, quota_shortfall_reason="58 户已由城区管网覆盖。"
    )
    submission = ps.plan_submit(plan=plan, by=official_a)
    assert submission.snapshot["total_households"] == 400
    assert submission.snapshot["quota"] == 458
    assert submission.snapshot["quota_shortfall_reason"] == "58 户已由城区管网覆盖。"


def test_finish_after_the_construction_deadline_is_named_by_line(programme, town_a, official_a):
    lines = valid_lines(town_a, 458)
    lines[1]["planned_finish"] = datetime.date(2021, 8, 31)
    plan = draft_plan(programme, town_a, official_a, lines=lines)
    with pytest.raises(ValidationError) as exc:
        ps.plan_submit(plan=plan, by=official_a)
    assert messages_of(exc) == [
        "第2行（洪山2村·气代煤）：计划完工日期 2021-08-31 晚于工程建设完成时限 2021-08-30。"
    ]


def test_finish_on_the_deadline_itself_is_allowed(programme, town_a, official_a):
    lines = valid_lines(town_a, 458)
    lines[0]["planned_finish"] = datetime.date(2021, 8, 30)
    plan = draft_plan(programme, town_a, official_a, lines=lines)
    assert checks.plan_check(plan) == []


def test_every_line_needs_both_safety_officers(programme, town_a, official_a):
    lines = valid_lines(town_a, 458)
    lines[0]["village_safety_officer"] = ""
    lines[0]["village_safety_phone"] = ""
    lines[1]["contractor_safety_phone"] = ""
    plan = draft_plan(programme, town_a, official_a, lines=lines)
    with pytest.raises(ValidationError) as exc:
        ps.plan_submit(plan=plan, by=official_a)
    assert messages_of(exc) == [
        "第1行（洪山1村·气代煤）：缺少村级安全员姓名、村级安全员电话（双安全员必须配齐）。",
        "第2行（洪山2村·气代煤）：缺少企业安全员电话（双安全员必须配齐）。",
    ]


def test_a_village_of_another_town_is_refused_when_saving(programme, town_a, town_b, official_a):
    lines = valid_lines(town_a, 458)
    lines[1]["village"] = VillageFactory(town=town_b, name="昆仑1村")
    with pytest.raises(ValidationError) as exc:
        draft_plan(programme, town_a, official_a, lines=lines)
    assert messages_of(exc) == ["第2行（昆仑1村）：该村（居）不属于洪山镇。"]
    assert TownPlan.objects.count() == 0


def test_a_village_moved_to_another_town_after_saving_stops_submission(
    programme, town_a, town_b, official_a
):
    plan = draft_plan(programme, town_a, official_a)
    village = plan.lines.order_by("village__name").last().village
    village.town = town_b
    village.save()
    with pytest.raises(ValidationError) as exc:
        ps.plan_submit(plan=plan, by=official_a)
    assert "第2行（洪山2村·气代煤）：该村（居）不属于洪山镇。" in messages_of(exc)


def test_a_plan_without_lines_or_emergency_arrangements_cannot_be_submitted(
    programme, town_a, official_a
):
    plan = draft_plan(programme, town_a, official_a, lines=[], emergency_arrangements="")
    with pytest.raises(ValidationError) as exc:
        ps.plan_submit(plan=plan, by=official_a)
    assert messages_of(exc) == ["方案至少应包含一个村（居）的实施明细。", "请填写应急联络安排。"]


def test_zero_households_on_a_line_is_refused(programme, town_a, official_a):
    lines = valid_lines(town_a, 458)
    lines[0]["households"] = 0
    with pytest.raises(ValidationError) as exc:
        draft_plan(programme, town_a, official_a, lines=lines)
    assert messages_of(exc)[0].startswith("第1行：")


def test_the_database_refuses_zero_households_and_start_after_finish(programme, town_a, official_a):
    plan = draft_plan(programme, town_a, official_a)
    line = plan.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        TownPlanLine.objects.filter(pk=line.pk).update(households=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        TownPlanLine.objects.filter(pk=line.pk).update(planned_start=datetime.date(2021, 9, 1))


def test_the_same_village_and_route_twice_is_refused(programme, town_a, official_a):
    lines = valid_lines(town_a, 458)
    lines[1]["village"] = lines[0]["village"]
    with pytest.raises(ValidationError) as exc:
        draft_plan(programme, town_a, official_a, lines=lines)
    assert messages_of(exc) == ["第2行（洪山1村·气代煤）：同一村（居）同一技术路线只能填写一行。"]


def test_only_a_town_official_of_that_town_may_create_edit_or_submit(
    programme, town_a, official_a, official_b, district
):
    for user in (official_b, district):
        with pytest.raises(PermissionDenied):
            draft_plan(programme, town_a, user)
    plan = draft_plan(programme, town_a, official_a)
    for user in (official_b, district):
        with pytest.raises(PermissionDenied):
            ps.plan_update(plan=plan, by=user, summary="改")
        with pytest.raises(PermissionDenied):
            ps.plan_submit(plan=plan, by=user)
    plan.refresh_from_db()
    assert plan.summary == "分两村实施气代煤。"
    assert plan.status == PlanStatus.DRAFT


def test_a_town_official_can_never_approve_even_with_the_permission(programme, town_a, official_a):
    from django.contrib.auth.models import Permission

    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    official_a.user_permissions.add(Permission.objects.get(codename="review_townplan"))
    official_a = type(official_a).objects.get(pk=official_a.pk)
    assert official_a.has_perm("tasks.review_townplan")
    with pytest.raises(PermissionDenied):
        ps.plan_approve(plan=plan, by=official_a)
    with pytest.raises(PermissionDenied):
        ps.plan_return(plan=plan, by=official_a, comment="自己退回")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert PlanReview.objects.count() == 0


def test_finance_cannot_review(programme, town_a, official_a, finance):
    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    with pytest.raises(PermissionDenied):
        ps.plan_approve(plan=plan, by=finance)


def test_return_needs_a_comment_and_then_the_town_can_fix_and_resubmit(
    programme, town_a, official_a, district
):
    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    with pytest.raises(ValidationError) as exc:
        ps.plan_return(plan=plan, by=district, comment="  ")
    assert messages_of(exc) == ["退回时必须填写审核意见。"]

    review = ps.plan_return(plan=plan, by=district, comment="请补充应急演练安排。")
    assert review.decision == ReviewDecision.RETURNED
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED
    assert approved_plan_town_ids(programme) == set()

    plan = ps.plan_update(plan=plan, by=official_a, emergency_arrangements="每月演练一次。")
    assert plan.revision == 1
    ps.plan_submit(plan=plan, by=official_a)
    ps.plan_approve(plan=plan, by=district)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_by == district
    assert plan.submissions.count() == 2
    assert list(plan.reviews.order_by("id").values_list("decision", flat=True)) == [
        "returned",
        "approved",
    ]
    assert approved_plan_town_ids(programme) == {town_a.pk}


def test_a_submitted_plan_cannot_be_edited_or_submitted_again(programme, town_a, official_a):
    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    with pytest.raises(ValidationError) as exc:
        ps.plan_update(plan=plan, by=official_a, summary="改")
    assert messages_of(exc) == ["当前状态为“已报送”，不能修改。"]
    with pytest.raises(ValidationError):
        ps.plan_submit(plan=plan, by=official_a)


def test_approving_twice_is_refused(programme, town_a, official_a, district):
    plan = approved_plan(programme, town_a, official_a, district)
    with pytest.raises(ValidationError) as exc:
        ps.plan_approve(plan=plan, by=district)
    assert messages_of(exc) == ["当前状态为“已核准”，不能核准。"]
    assert PlanReview.objects.count() == 1


def test_editing_an_approved_plan_opens_a_new_revision_and_the_old_stays_in_force(
    programme, town_a, official_a, district
):
    approved = approved_plan(programme, town_a, official_a, district)
    lines = line_dicts(approved)
    lines[0]["households"] += 1
    lines[1]["households"] -= 1
    new = ps.plan_update(plan=approved, by=official_a, lines=lines, summary="调整户数。")
    assert new.pk != approved.pk
    assert (new.revision, new.status, new.based_on_id) == (2, PlanStatus.DRAFT, approved.pk)
    approved.refresh_from_db()
    assert approved.status == PlanStatus.APPROVED
    assert approved.summary == "分两村实施气代煤。"
    assert sorted(approved.lines.values_list("households", flat=True)) == [229, 229]
    assert sorted(new.lines.values_list("households", flat=True)) == [228, 230]
    assert approved_plan_town_ids(programme) == {town_a.pk}

    ps.plan_submit(plan=new, by=official_a)
    assert approved_plan_town_ids(programme) == {town_a.pk}

    # A second edit of the approved revision is pointed at the pending one.
    with pytest.raises(ValidationError) as exc:
        ps.plan_update(plan=approved, by=official_a, summary="再改")
    assert messages_of(exc) == ["已有正在修订的第2版方案，请在该版本上修改。"]

    ps.plan_approve(plan=new, by=district)
    approved.refresh_from_db()
    new.refresh_from_db()
    assert approved.status == PlanStatus.SUPERSEDED
    assert approved.superseded_at == new.approved_at
    assert new.status == PlanStatus.APPROVED
    assert approved_plan_town_ids(programme) == {town_a.pk}
    assert TownPlan.objects.filter(status=PlanStatus.APPROVED).count() == 1


def test_a_returned_new_revision_leaves_the_old_one_in_force(
    programme, town_a, official_a, district
):
    approved = approved_plan(programme, town_a, official_a, district)
    new = ps.plan_update(plan=approved, by=official_a, summary="新增一村。")
    ps.plan_submit(plan=new, by=official_a)
    ps.plan_return(plan=new, by=district, comment="不同意调整。")
    approved.refresh_from_db()
    assert approved.status == PlanStatus.APPROVED
    assert approved_plan_town_ids(programme) == {town_a.pk}


def test_the_database_refuses_two_approved_revisions_of_one_town(
    programme, town_a, official_a, district
):
    approved = approved_plan(programme, town_a, official_a, district)
    new = ps.plan_update(plan=approved, by=official_a, summary="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        TownPlan.objects.filter(pk=new.pk).update(
            status=PlanStatus.APPROVED, approved_at=approved.approved_at
        )


def test_the_database_refuses_two_working_revisions_of_one_town(programme, town_a, official_a):
    draft_plan(programme, town_a, official_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        TownPlan.objects.create(programme=programme, town=town_a, revision=2)


def test_a_second_first_draft_is_refused(programme, town_a, official_a):
    draft_plan(programme, town_a, official_a)
    with pytest.raises(ValidationError) as exc:
        draft_plan(programme, town_a, official_a)
    assert messages_of(exc) == ["本镇（街道）已有实施方案，请在现有方案上修改。"]


def test_submit_notifies_the_district_and_review_notifies_the_town(
    programme, town_a, official_a, official_b, district
):
    other_official_a = UserFactory(username="official_a2", town=town_a, role=Role.TOWN_OFFICIAL)
    plan = draft_plan(programme, town_a, official_a)
    ps.plan_submit(plan=plan, by=official_a)
    to_district = Notification.objects.get(recipient=district)
    assert to_district.title == "洪山镇报送实施方案（第1版）"
    assert to_district.url == f"/plans/{plan.pk}/"
    assert district.notifications.filter(read_at__isnull=True).count() == 1

    ps.plan_return(plan=plan, by=district, comment="请补充应急演练安排。")
    for official in (official_a, other_official_a):
        n = official.notifications.get()
        assert n.title == "实施方案（第1版）被退回，请修改后重新报送"
        assert n.body == "请补充应急演练安排。"
    assert official_b.notifications.count() == 0


def test_history_records_each_state_change(programme, town_a, official_a, district):
    plan = approved_plan(programme, town_a, official_a, district)
    rows = list(
        plan.history.order_by("history_id").values_list(
            "status", "history_user__username", "history_change_reason"
        )
    )
    assert rows == [
        ("draft", "official_a", PlanReason.CREATE),
        ("submitted", "official_a", PlanReason.SUBMIT),
        ("approved", "district", PlanReason.APPROVE),
    ]
    lines = TownPlanLine.history.filter(plan_id=plan.pk)
    assert lines.count() == 2
    assert set(lines.values_list("history_user__username", flat=True)) == {"official_a"}
