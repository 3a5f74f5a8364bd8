"""Submission and review: the town reports a revision, the district office approves or
returns it, and the other side is told."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import (
    PLAN_FLOW,
    PlanReason,
    PlanReview,
    PlanStatus,
    ReviewDecision,
    TownPlan,
    TownPlanSubmission,
)
from tasks.plans.checks import plan_check, plan_snapshot
from tasks.plans.services.access import district_recipients, require_district, require_town_official
from tasks.plans.services.editing import lock_plan
from zichuan_heating.services import notification_send, town_officials


def _save(plan: TownPlan, by: Any, reason: PlanReason) -> None:
    plan._change_reason = reason
    plan._history_user = by
    plan.save()


def _tell_town(plan: TownPlan, title: str, comment: str) -> None:
    notification_send(
        recipients=town_officials(plan.town_id),
        title=title,
        body=comment,
        url=reverse("plans:plan_detail", args=[plan.pk]),
    )


@transaction.atomic
def plan_submit(*, plan: TownPlan, by: Any) -> TownPlanSubmission:
    """Report the revision to the district office; every check must pass."""
    require_town_official(by, plan.town_id, "tasks.change_townplan")
    plan = lock_plan(plan)
    PLAN_FLOW.check(plan, "submit")
    errors = plan_check(plan)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    PLAN_FLOW.apply(plan, "submit")
    plan.submitted_at = now
    plan.submitted_by = by
    _save(plan, by, PlanReason.SUBMIT)
    submission = TownPlanSubmission.objects.create(
        plan=plan, submitted_at=now, submitted_by=by, snapshot=plan_snapshot(plan)
    )
    notification_send(
        recipients=district_recipients(),
        title=_("%(town)s报送实施方案（第%(rev)d版）")
        % {"town": plan.town.name, "rev": plan.revision},
        body=_("请在审核队列中审核。")
        + (_("方案户数与建设任务不一致，已说明原因。") if plan.quota_shortfall_reason else ""),
        url=reverse("plans:plan_detail", args=[plan.pk]),
    )
    return submission


def _review(plan: TownPlan, by: Any, action: str, comment: str) -> tuple[TownPlan, PlanReview]:
    """Lock, move the revision through `action` and record the review (not saved yet)."""
    require_district(by, "tasks.review_townplan")
    # Lock every revision of the town: approving one changes another (the one it replaces),
    # and two reviewers racing must find the second one no longer submitted.
    list(
        TownPlan.objects.select_for_update()
        .filter(programme_id=plan.programme_id, town_id=plan.town_id)
        .order_by("pk")
    )
    plan = lock_plan(plan)
    PLAN_FLOW.apply(plan, action)
    review = PlanReview.objects.create(
        plan=plan,
        submission=plan.submissions.order_by("-submitted_at", "-id").first(),
        decision=ReviewDecision.APPROVED if action == "approve" else ReviewDecision.RETURNED,
        comment=comment,
        reviewed_by=by,
        reviewed_at=timezone.now(),
    )
    return plan, review


@transaction.atomic
def plan_approve(*, plan: TownPlan, by: Any, comment: str = "") -> PlanReview:
    comment = (comment or "").strip()
    plan, review = _review(plan, by, "approve", comment)
    now = review.reviewed_at
    for old in TownPlan.objects.filter(
        programme_id=plan.programme_id, town_id=plan.town_id, status=PlanStatus.APPROVED
    ):
        PLAN_FLOW.apply(old, "supersede")
        old.superseded_at = now
        _save(old, by, PlanReason.SUPERSEDED)
    plan.approved_at = now
    plan.approved_by = by
    _save(plan, by, PlanReason.APPROVE)
    _tell_town(plan, _("实施方案（第%(rev)d版）已核准") % {"rev": plan.revision}, comment)
    return review


@transaction.atomic
def plan_return(*, plan: TownPlan, by: Any, comment: str) -> PlanReview:
    comment = (comment or "").strip()
    if not comment:
        require_district(by, "tasks.review_townplan")
        raise ValidationError({"comment": _("退回时必须填写审核意见。")})
    plan, review = _review(plan, by, "return", comment)
    _save(plan, by, PlanReason.RETURN)
    title = _("实施方案（第%(rev)d版）被退回，请修改后重新报送") % {"rev": plan.revision}
    _tell_town(plan, title, comment)
    return review
