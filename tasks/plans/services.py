"""Business actions for town plans (实施方案) and supervision notices (督办).

Every action is keyword-only, runs in one transaction, checks who is acting (the service is
the last line: a town official can never approve, whatever the view lets through), records
history and notifies the other side.
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import (
    Contractor,
    NoticeState,
    PlanReview,
    PlanStatus,
    Programme,
    Quota,
    ReviewDecision,
    Route,
    ScheduleSetting,
    SupervisionNotice,
    Town,
    TownPlan,
    TownPlanLine,
    TownPlanSubmission,
    Village,
)
from tasks.models.plans import AWAITING_TOWN_STATES, EDITABLE_PLAN_STATUSES, OPEN_PLAN_STATUSES
from zichuan_heating.roles import Role
from zichuan_heating.services import notification_send, town_officials, users_with_role

#: The fields of a line a town edits, in the order a diff lists them.
LINE_FIELDS = (
    "village",
    "route",
    "households",
    "planned_start",
    "planned_finish",
    "contractor",
    "contractor_safety_officer",
    "contractor_safety_phone",
    "village_safety_officer",
    "village_safety_phone",
)
_TEXT_LINE_FIELDS = (
    "route",
    "contractor_safety_officer",
    "contractor_safety_phone",
    "village_safety_officer",
    "village_safety_phone",
)
PLAN_TEXT_FIELDS = ("summary", "emergency_arrangements", "quota_shortfall_reason")


# --- who may act -------------------------------------------------------------------------


def is_town_official_of(user: Any, town_id: int) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_role(Role.TOWN_OFFICIAL)
        and user.town_id == town_id
    )


def _require_town_official(user: Any, town_id: int, perm: str) -> None:
    if not is_town_official_of(user, town_id) or not user.has_perm(perm):
        raise PermissionDenied(_("只有本镇（街道）工作人员可以办理此事项。"))


def _require_district(user: Any, perm: str) -> None:
    # A town official can never review or supervise, even if a group grants the perm by mistake.
    if (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or user.town_id is not None
        or user.has_role(Role.TOWN_OFFICIAL)
        or not user.has_perm(perm)
    ):
        raise PermissionDenied(_("只有区清洁取暖办可以办理此事项。"))


def _district_recipients() -> list:
    return users_with_role(Role.DISTRICT_OFFICE.value)


# --- plans -------------------------------------------------------------------------------


def _lock_plan(plan: TownPlan) -> TownPlan:
    return TownPlan.objects.select_for_update().select_related("programme", "town").get(pk=plan.pk)


def _open_revision(programme_id: int, town_id: int) -> TownPlan | None:
    return TownPlan.objects.filter(
        programme_id=programme_id, town_id=town_id, status__in=OPEN_PLAN_STATUSES
    ).first()


def _clean_line_data(plan: TownPlan, data: Mapping[str, Any], index: int) -> TownPlanLine:
    line = TownPlanLine(plan=plan)
    for name in LINE_FIELDS:
        if name in data:
            value = data[name]
            if name == "village" and isinstance(value, int):
                value = Village.objects.get(pk=value)
            if name == "contractor" and isinstance(value, int):
                value = Contractor.objects.get(pk=value)
            if value is None and name not in ("village", "contractor"):
                value = "" if name in _TEXT_LINE_FIELDS else None
            setattr(line, name, value)
    try:
        line.full_clean(exclude=["plan"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(
            [_("第%(n)d行：%(msg)s") % {"n": index, "msg": m} for m in exc.messages]
        ) from exc
    if line.village.town_id != plan.town_id:
        raise ValidationError(
            _("第%(n)d行（%(village)s）：该村（居）不属于%(town)s。")
            % {"n": index, "village": line.village.name, "town": plan.town.name}
        )
    return line


def _write_lines(plan: TownPlan, lines: Iterable[Mapping[str, Any]], user: Any = None) -> None:
    """Make the plan's lines exactly `lines`, keeping rows (and their history) that match
    by village and route."""
    wanted = [_clean_line_data(plan, data, i) for i, data in enumerate(lines, start=1)]
    seen: set[tuple[int, str]] = set()
    for i, line in enumerate(wanted, start=1):
        key = (line.village_id, line.route)
        if key in seen:
            raise ValidationError(
                _("第%(n)d行（%(label)s）：同一村（居）同一技术路线只能填写一行。")
                % {"n": i, "label": line.label()}
            )
        seen.add(key)
    existing = {(x.village_id, x.route): x for x in plan.lines.all()}
    for line in wanted:
        old = existing.pop((line.village_id, line.route), None)
        if old is None:
            line._history_user = user
            line.save()
            continue
        changed = [f for f in LINE_FIELDS if _field_value(old, f) != _field_value(line, f)]
        if changed:
            for f in changed:
                setattr(old, f, getattr(line, f))
            old._history_user = user
            old.save()
    for old in existing.values():
        old._history_user = user
        old.delete()


def _field_value(line: TownPlanLine, name: str) -> Any:
    if name in ("village", "contractor"):
        return getattr(line, f"{name}_id")
    return getattr(line, name)


def _apply(
    plan: TownPlan, fields: Mapping[str, Any], lines: Iterable[Mapping] | None, user: Any
) -> None:
    unknown = set(fields) - set(PLAN_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(plan, name, (value or "").strip())
    plan._history_user = user
    plan.save()
    if lines is not None:
        _write_lines(plan, lines, user)


@transaction.atomic
def plan_create(
    *,
    programme: Programme,
    town: Town,
    user: Any,
    lines: Iterable[Mapping[str, Any]] = (),
    **fields: str,
) -> TownPlan:
    """The town's first plan for the programme, as a draft."""
    _require_town_official(user, town.pk, "tasks.add_townplan")
    # Lock the town row so two first drafts cannot race past the check below.
    Town.objects.select_for_update().get(pk=town.pk)
    if TownPlan.objects.filter(programme=programme, town=town).exists():
        raise ValidationError(_("本镇（街道）已有实施方案，请在现有方案上修改。"))
    plan = TownPlan(programme=programme, town=town, revision=1, status=PlanStatus.DRAFT)
    plan._change_reason = "create"
    plan._history_user = user
    _apply(plan, fields, lines, user)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: TownPlan,
    user: Any,
    lines: Iterable[Mapping[str, Any]] | None = None,
    **fields: str,
) -> TownPlan:
    """Edit a draft or returned revision in place; editing the approved revision opens a new
    revision copied from it, and the approved one stays in force until the new one is approved.

    Returns the revision that was written (which is a new object in the second case).
    """
    _require_town_official(user, plan.town_id, "tasks.change_townplan")
    plan = _lock_plan(plan)
    if plan.status == PlanStatus.APPROVED:
        plan = _open_new_revision(plan, user)
    elif plan.status not in EDITABLE_PLAN_STATUSES:
        raise ValidationError(
            _("第%(rev)d版方案当前为“%(status)s”，不能修改。")
            % {"rev": plan.revision, "status": plan.get_status_display()}
        )
    plan._change_reason = "update"
    plan._history_user = user
    _apply(plan, fields, lines, user)
    return plan


def _open_new_revision(approved: TownPlan, user: Any) -> TownPlan:
    pending = _open_revision(approved.programme_id, approved.town_id)
    if pending is not None:
        raise ValidationError(
            _("已有正在修订的第%(rev)d版方案，请在该版本上修改。") % {"rev": pending.revision}
        )
    last = TownPlan.objects.filter(programme_id=approved.programme_id, town_id=approved.town_id)
    revision = (last.aggregate(n=Max("revision"))["n"] or 0) + 1
    new = TownPlan(
        programme_id=approved.programme_id,
        town_id=approved.town_id,
        revision=revision,
        status=PlanStatus.DRAFT,
        based_on=approved,
        **{f: getattr(approved, f) for f in PLAN_TEXT_FIELDS},
    )
    new._change_reason = "new revision"
    new._history_user = user
    new.save()
    for line in approved.lines.all():
        line.pk = None
        line.id = None
        line.plan = new
        line._state.adding = True
        line._history_user = user
        line.save()
    return new


@transaction.atomic
def plan_revision_open(*, plan: TownPlan, user: Any) -> TownPlan:
    """Start a new revision from the approved one without changing anything yet."""
    _require_town_official(user, plan.town_id, "tasks.change_townplan")
    plan = _lock_plan(plan)
    if plan.status != PlanStatus.APPROVED:
        raise ValidationError(_("只有已核准的方案才能开启新的修订版本。"))
    return _open_new_revision(plan, user)


def plan_check(plan: TownPlan) -> list[str]:
    """Everything that stops a submission, in Chinese, each naming the line it is about."""
    errors: list[str] = []
    programme = plan.programme
    due = programme.construction_due
    lines = list(plan.lines.select_related("village").order_by("village__name", "route", "id"))
    if not lines:
        errors.append(_("方案至少应包含一个村（居）的实施明细。"))
    if not plan.emergency_arrangements.strip():
        errors.append(_("请填写应急联络安排。"))
    for i, line in enumerate(lines, start=1):
        head = _("第%(n)d行（%(label)s）") % {"n": i, "label": line.label()}
        if line.village.town_id != plan.town_id:
            errors.append(head + _("：该村（居）不属于%(town)s。") % {"town": plan.town.name})
        if line.households <= 0:
            errors.append(head + _("：改造户数必须大于 0。"))
        if line.planned_finish > due:
            errors.append(
                head
                + _("：计划完工日期 %(finish)s 晚于工程建设完成时限 %(due)s。")
                % {"finish": line.planned_finish.isoformat(), "due": due.isoformat()}
            )
        if line.planned_start > line.planned_finish:
            errors.append(head + _("：计划开工日期晚于计划完工日期。"))
        missing = []
        if not line.contractor_safety_officer.strip():
            missing.append(_("企业安全员姓名"))
        if not line.contractor_safety_phone.strip():
            missing.append(_("企业安全员电话"))
        if not line.village_safety_officer.strip():
            missing.append(_("村级安全员姓名"))
        if not line.village_safety_phone.strip():
            missing.append(_("村级安全员电话"))
        if missing:
            errors.append(
                head + _("：缺少%(what)s（双安全员必须配齐）。") % {"what": "、".join(missing)}
            )
    quota = town_quota(plan.programme_id, plan.town_id)
    total = sum(line.households for line in lines)
    if lines and total != quota and not plan.quota_shortfall_reason.strip():
        errors.append(
            _(
                "各村（居）合计 %(total)d 户，与本镇（街道）建设任务 %(quota)d 户不一致，"
                "请填写原因说明。"
            )
            % {"total": total, "quota": quota}
        )
    return errors


def town_quota(programme_id: int, town_id: int) -> int:
    return (
        Quota.objects.filter(programme_id=programme_id, town_id=town_id).aggregate(
            n=Sum("households")
        )["n"]
        or 0
    )


def plan_snapshot(plan: TownPlan) -> dict[str, Any]:
    """A JSON-ready copy of the revision; names are stored too so old snapshots stay readable
    after a village or contractor is renamed."""
    lines = []
    for line in plan.lines.select_related("village", "contractor").order_by(
        "village__name", "route", "id"
    ):
        lines.append(
            {
                "village_id": line.village_id,
                "village": line.village.name,
                "route": line.route,
                "route_label": str(Route(line.route).label),
                "households": line.households,
                "planned_start": line.planned_start.isoformat(),
                "planned_finish": line.planned_finish.isoformat(),
                "contractor_id": line.contractor_id,
                "contractor": line.contractor.name if line.contractor else "",
                "contractor_safety_officer": line.contractor_safety_officer,
                "contractor_safety_phone": line.contractor_safety_phone,
                "village_safety_officer": line.village_safety_officer,
                "village_safety_phone": line.village_safety_phone,
            }
        )
    return {
        "revision": plan.revision,
        "town": plan.town.name,
        "quota": town_quota(plan.programme_id, plan.town_id),
        "total_households": sum(x["households"] for x in lines),
        **{f: getattr(plan, f) for f in PLAN_TEXT_FIELDS},
        "lines": lines,
    }


@transaction.atomic
def plan_submit(*, plan: TownPlan, user: Any) -> TownPlanSubmission:
    """Report the revision to the district office; every check must pass."""
    _require_town_official(user, plan.town_id, "tasks.change_townplan")
    plan = _lock_plan(plan)
    if plan.status not in EDITABLE_PLAN_STATUSES:
        raise ValidationError(
            _("第%(rev)d版方案当前为“%(status)s”，不能报送。")
            % {"rev": plan.revision, "status": plan.get_status_display()}
        )
    errors = plan_check(plan)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = now
    plan.submitted_by = user
    plan._change_reason = "submit"
    plan._history_user = user
    plan.save()
    submission = TownPlanSubmission.objects.create(
        plan=plan, submitted_at=now, submitted_by=user, snapshot=plan_snapshot(plan)
    )
    notification_send(
        recipients=_district_recipients(),
        title=_("%(town)s报送实施方案（第%(rev)d版）")
        % {"town": plan.town.name, "rev": plan.revision},
        body=_("请在审核队列中审核。")
        + (_("方案户数与建设任务不一致，已说明原因。") if plan.quota_shortfall_reason else ""),
        url=reverse("plans:plan_detail", args=[plan.pk]),
    )
    return submission


def _review(plan: TownPlan, user: Any, decision: str, comment: str) -> tuple[TownPlan, PlanReview]:
    _require_district(user, "tasks.review_townplan")
    # Lock every revision of the town: approving one changes another (the one it replaces),
    # and two reviewers racing must find the second one no longer submitted.
    list(
        TownPlan.objects.select_for_update()
        .filter(programme_id=plan.programme_id, town_id=plan.town_id)
        .order_by("pk")
    )
    plan = _lock_plan(plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(
            _("第%(rev)d版方案当前为“%(status)s”，不能审核。")
            % {"rev": plan.revision, "status": plan.get_status_display()}
        )
    submission = plan.submissions.order_by("-submitted_at", "-id").first()
    review = PlanReview.objects.create(
        plan=plan,
        submission=submission,
        decision=decision,
        comment=comment,
        reviewed_by=user,
        reviewed_at=timezone.now(),
    )
    return plan, review


@transaction.atomic
def plan_approve(*, plan: TownPlan, user: Any, comment: str = "") -> PlanReview:
    comment = (comment or "").strip()
    plan, review = _review(plan, user, ReviewDecision.APPROVED, comment)
    now = review.reviewed_at
    for old in TownPlan.objects.filter(
        programme_id=plan.programme_id, town_id=plan.town_id, status=PlanStatus.APPROVED
    ):
        old.status = PlanStatus.SUPERSEDED
        old.superseded_at = now
        old._change_reason = "superseded"
        old._history_user = user
        old.save()
    plan.status = PlanStatus.APPROVED
    plan.approved_at = now
    plan.approved_by = user
    plan._change_reason = "approve"
    plan._history_user = user
    plan.save()
    notification_send(
        recipients=town_officials(plan.town_id),
        title=_("实施方案（第%(rev)d版）已核准") % {"rev": plan.revision},
        body=comment,
        url=reverse("plans:plan_detail", args=[plan.pk]),
    )
    return review


@transaction.atomic
def plan_return(*, plan: TownPlan, user: Any, comment: str) -> PlanReview:
    comment = (comment or "").strip()
    if not comment:
        _require_district(user, "tasks.review_townplan")
        raise ValidationError(_("退回时必须填写审核意见。"))
    plan, review = _review(plan, user, ReviewDecision.RETURNED, comment)
    plan.status = PlanStatus.RETURNED
    plan._change_reason = "return"
    plan._history_user = user
    plan.save()
    notification_send(
        recipients=town_officials(plan.town_id),
        title=_("实施方案（第%(rev)d版）被退回，请修改后重新报送") % {"rev": plan.revision},
        body=comment,
        url=reverse("plans:plan_detail", args=[plan.pk]),
    )
    return review


@transaction.atomic
def schedule_setting_update(
    *, programme: Programme, user: Any, behind_threshold_percent: Decimal
) -> ScheduleSetting:
    _require_district(user, "tasks.change_schedulesetting")
    value = Decimal(behind_threshold_percent).quantize(Decimal("0.1"))
    if not Decimal("0") <= value <= Decimal("100"):
        raise ValidationError(_("滞后阈值应在 0 到 100 之间。"))
    setting, _created = ScheduleSetting.objects.select_for_update().get_or_create(
        programme=programme
    )
    setting.behind_threshold_percent = value
    setting.updated_by = user
    setting.save()
    return setting


# --- supervision notices -------------------------------------------------------------------


def _lock_notice(notice: SupervisionNotice) -> SupervisionNotice:
    return (
        SupervisionNotice.objects.select_for_update()
        .select_related("town", "programme")
        .get(pk=notice.pk)
    )


@transaction.atomic
def notice_issue(
    *,
    programme: Programme,
    town: Town,
    user: Any,
    title: str,
    problem: str,
    deadline: datetime.date,
) -> SupervisionNotice:
    _require_district(user, "tasks.issue_supervisionnotice")
    title, problem = (title or "").strip(), (problem or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("请填写督办事项。")
    if not problem:
        errors["problem"] = _("请写明存在的问题。")
    if deadline is None:
        errors["deadline"] = _("请填写整改期限。")
    elif deadline < timezone.localdate():
        errors["deadline"] = _("整改期限不能早于今天。")
    if errors:
        raise ValidationError(errors)
    notice = SupervisionNotice(
        programme=programme,
        town=town,
        title=title,
        problem=problem,
        deadline=deadline,
        state=NoticeState.OPEN,
        issued_by=user,
        issued_at=timezone.now(),
    )
    notice._change_reason = "issue"
    notice._history_user = user
    notice.save()
    notification_send(
        recipients=town_officials(town.pk),
        title=_("督办：%(title)s（%(deadline)s 前整改）")
        % {"title": title, "deadline": deadline.isoformat()},
        body=problem,
        url=notice.get_absolute_url(),
    )
    return notice


@transaction.atomic
def notice_answer(*, notice: SupervisionNotice, user: Any, answer: str) -> SupervisionNotice:
    _require_town_official(user, notice.town_id, "tasks.answer_supervisionnotice")
    notice = _lock_notice(notice)
    answer = (answer or "").strip()
    if notice.state not in AWAITING_TOWN_STATES:
        raise ValidationError(
            _("督办当前为“%(state)s”，不能反馈。") % {"state": notice.get_state_display()}
        )
    if not answer:
        raise ValidationError({"answer": _("请填写整改情况。")})
    notice.state = NoticeState.ANSWERED
    notice.answer = answer
    notice.answered_by = user
    notice.answered_at = timezone.now()
    notice._change_reason = "answer"
    notice._history_user = user
    notice.save()
    notification_send(
        recipients=[notice.issued_by, *_district_recipients()],
        title=_("%(town)s已反馈督办整改情况：%(title)s")
        % {"town": notice.town.name, "title": notice.title},
        body=answer,
        url=notice.get_absolute_url(),
    )
    return notice


def _office_decides(notice: SupervisionNotice, user: Any, verb: str) -> SupervisionNotice:
    _require_district(user, "tasks.issue_supervisionnotice")
    notice = _lock_notice(notice)
    if notice.state != NoticeState.ANSWERED:
        raise ValidationError(
            _("督办当前为“%(state)s”，不能%(verb)s。")
            % {"state": notice.get_state_display(), "verb": verb}
        )
    return notice


@transaction.atomic
def notice_close(*, notice: SupervisionNotice, user: Any, comment: str = "") -> SupervisionNotice:
    notice = _office_decides(notice, user, _("销号"))
    notice.state = NoticeState.CLOSED
    notice.office_comment = (comment or "").strip()
    notice.closed_by = user
    notice.closed_at = timezone.now()
    notice._change_reason = "close"
    notice._history_user = user
    notice.save()
    notification_send(
        recipients=town_officials(notice.town_id),
        title=_("督办已销号：%(title)s") % {"title": notice.title},
        body=notice.office_comment,
        url=notice.get_absolute_url(),
    )
    return notice


@transaction.atomic
def notice_send_back(
    *, notice: SupervisionNotice, user: Any, comment: str, deadline: datetime.date | None = None
) -> SupervisionNotice:
    comment = (comment or "").strip()
    notice = _office_decides(notice, user, _("退回"))
    if not comment:
        raise ValidationError({"comment": _("退回时必须说明理由。")})
    if deadline is not None:
        if deadline < timezone.localdate():
            raise ValidationError({"deadline": _("整改期限不能早于今天。")})
        notice.deadline = deadline
    notice.state = NoticeState.SENT_BACK
    notice.office_comment = comment
    notice._change_reason = "send back"
    notice._history_user = user
    notice.save()
    notification_send(
        recipients=town_officials(notice.town_id),
        title=_("督办整改情况被退回：%(title)s") % {"title": notice.title},
        body=comment,
        url=notice.get_absolute_url(),
    )
    return notice
