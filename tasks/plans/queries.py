"""Read side of town plans and supervision: review queue, version diffs, plan state against
the 6/15 milestone, and which towns are behind schedule.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.models import (
    Milestone,
    PlanStatus,
    Programme,
    Quota,
    ScheduleSetting,
    SupervisionNotice,
    TownPlan,
    TownPlanSubmission,
)
from tasks.models.plans import AWAITING_TOWN_STATES, DEFAULT_BEHIND_THRESHOLD
from tasks.progress.queries import (
    TownProgress,
    percent,
    progress_by_town,
    quotas_for_user,
    unmet_milestones,
)
from zichuan_heating.memo import per_request

PLAN_DIFF_FIELDS = (
    ("summary", gettext_lazy("方案概述")),
    ("emergency_arrangements", gettext_lazy("应急联络安排")),
    ("quota_shortfall_reason", gettext_lazy("户数与建设任务不一致的说明")),
)
LINE_DIFF_FIELDS = (
    ("households", gettext_lazy("改造户数")),
    ("planned_start", gettext_lazy("计划开工日期")),
    ("planned_finish", gettext_lazy("计划完工日期")),
    ("contractor", gettext_lazy("实施主体")),
    ("contractor_safety_officer", gettext_lazy("企业安全员")),
    ("contractor_safety_phone", gettext_lazy("企业安全员电话")),
    ("village_safety_officer", gettext_lazy("村级安全员")),
    ("village_safety_phone", gettext_lazy("村级安全员电话")),
)


# --- versions and diffs --------------------------------------------------------------------


def previous_submission(submission: TownPlanSubmission) -> TownPlanSubmission | None:
    """The town's submission before this one, across revisions of the same programme."""
    return (
        TownPlanSubmission.objects.filter(
            plan__programme_id=submission.plan.programme_id,
            plan__town_id=submission.plan.town_id,
        )
        .filter(
            Q(submitted_at__lt=submission.submitted_at)
            | Q(submitted_at=submission.submitted_at, id__lt=submission.id)
        )
        .order_by("-submitted_at", "-id")
        .first()
    )


@dataclass
class FieldChange:
    label: str
    old: Any
    new: Any


@dataclass
class LineChange:
    label: str
    changes: list[FieldChange]


@dataclass
class PlanDiff:
    fields: list[FieldChange] = field(default_factory=list)
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.fields or self.added or self.removed or self.changed)


def line_label(line: dict) -> str:
    return f"{line['village']}·{line['route_label']}"


def snapshot_diff(old: dict, new: dict) -> PlanDiff:
    """What changed from one submitted snapshot to the next: plan texts, and lines matched by
    village and route (added, removed, and changed field by field)."""
    diff = PlanDiff()
    for name, label in PLAN_DIFF_FIELDS:
        if (old.get(name) or "") != (new.get(name) or ""):
            diff.fields.append(FieldChange(str(label), old.get(name) or "", new.get(name) or ""))

    def key(line: dict) -> tuple:
        return (line["village_id"], line["route"])

    old_lines = {key(x): x for x in old.get("lines", [])}
    new_lines = {key(x): x for x in new.get("lines", [])}
    for k, line in new_lines.items():
        before = old_lines.get(k)
        if before is None:
            diff.added.append(line)
            continue
        changes = [
            FieldChange(str(label), before.get(name), line.get(name))
            for name, label in LINE_DIFF_FIELDS
            if before.get(name) != line.get(name)
        ]
        if changes:
            diff.changed.append(LineChange(line_label(line), changes))
    diff.removed = [line for k, line in old_lines.items() if k not in new_lines]
    return diff


# --- the review queue and plan states -----------------------------------------------------


@dataclass
class QueueItem:
    plan: TownPlan
    quota: int
    total: int

    @property
    def shortfall(self) -> bool:
        return self.total != self.quota


def review_queue(programme: Programme) -> list[QueueItem]:
    """Submitted revisions, oldest first, each with its line total against the quota."""
    plans = list(
        TownPlan.objects.filter(programme=programme, status=PlanStatus.SUBMITTED)
        .select_related("town", "submitted_by")
        .annotate(total=Sum("lines__households"))
        .order_by("submitted_at", "pk")
    )
    quotas = dict(
        Quota.objects.filter(
            programme=programme, town_id__in=[p.town_id for p in plans]
        ).values_list("town_id", "households")
    )
    return [QueueItem(p, quotas.get(p.town_id, 0), p.total or 0) for p in plans]


@dataclass
class TownPlanState:
    town_id: int
    town_code: str
    town_name: str
    quota: int
    in_force: TownPlan | None
    working: TownPlan | None
    first_approved_on: datetime.date | None
    plan_due: datetime.date
    today: datetime.date

    @property
    def met_on_time(self) -> bool:
        return self.first_approved_on is not None and self.first_approved_on <= self.plan_due

    @property
    def overdue(self) -> bool:
        """The 6/15 milestone passed (or was passed) without an approved plan."""
        if self.first_approved_on is not None:
            return self.first_approved_on > self.plan_due
        return self.today > self.plan_due

    @property
    def label(self) -> str:
        if self.in_force is not None:
            text = _("已核准（第%(rev)d版）") % {"rev": self.in_force.revision}
            if self.working is not None:
                text += _("；第%(rev)d版%(status)s") % {
                    "rev": self.working.revision,
                    "status": self.working.get_status_display(),
                }
            return text
        if self.working is not None:
            return str(self.working.get_status_display())
        return _("未编制")


@per_request
def first_plan_approvals(programme: Programme, town_ids: list[int]) -> dict[int, datetime.date]:
    """{town: the local day its plan was first approved} (a revision later does not move it)."""
    rows = (
        TownPlan.objects.filter(
            programme=programme, town_id__in=town_ids, approved_at__isnull=False
        )
        .values("town_id")
        .annotate(first=Min("approved_at"))
        .values_list("town_id", "first")
    )
    return {town_id: timezone.localdate(first) for town_id, first in rows}


def plan_states(programme: Programme, user: Any, today: datetime.date) -> list[TownPlanState]:
    """Each town the user sees, with its plan in force, its working revision and the 6/15 mark.

    Three queries whatever the number of towns.
    """
    quotas = quotas_for_user(programme, user)
    town_ids = [q.town_id for q in quotas]
    plans = TownPlan.objects.filter(programme=programme, town_id__in=town_ids).exclude(
        status=PlanStatus.SUPERSEDED
    )
    in_force: dict[int, TownPlan] = {}
    working: dict[int, TownPlan] = {}
    for p in plans:
        (in_force if p.status == PlanStatus.APPROVED else working)[p.town_id] = p
    first_approved = first_plan_approvals(programme, town_ids)
    return [
        TownPlanState(
            town_id=q.town_id,
            town_code=q.town.code,
            town_name=q.town.name,
            quota=q.households,
            in_force=in_force.get(q.town_id),
            working=working.get(q.town_id),
            first_approved_on=first_approved.get(q.town_id),
            plan_due=programme.plan_due,
            today=today,
        )
        for q in quotas
    ]


# --- behind schedule -----------------------------------------------------------------------


def schedule_setting(programme: Programme) -> ScheduleSetting | None:
    return ScheduleSetting.objects.filter(programme=programme).first()


def behind_threshold(programme: Programme) -> Decimal:
    """The district's threshold for the programme, or the default until one is set."""
    return threshold_of(schedule_setting(programme))


def threshold_of(setting: ScheduleSetting | None) -> Decimal:
    return setting.behind_threshold_percent if setting else DEFAULT_BEHIND_THRESHOLD


def straight_line_percent(
    start: datetime.date | None, due: datetime.date, today: datetime.date
) -> Decimal | None:
    """Where a town should be if it builds evenly from plan approval to the 8/30 deadline."""
    if start is None:
        return None
    if today <= start:
        return Decimal("0.0")
    if today >= due or due <= start:
        return Decimal("100.0")
    share = Decimal((today - start).days) * 100 / Decimal((due - start).days)
    return share.quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class TownSchedule:
    plan: TownPlanState
    progress: TownProgress | None
    built: int
    accepted: int
    built_percent: Decimal
    expected_percent: Decimal | None
    missed: list[str]
    threshold: Decimal

    @property
    def gap(self) -> Decimal | None:
        if self.expected_percent is None:
            return None
        return self.expected_percent - self.built_percent

    @property
    def lagging(self) -> bool:
        return self.gap is not None and self.gap > self.threshold

    @property
    def behind(self) -> bool:
        return bool(self.missed) or self.lagging


def schedule_for(
    *,
    plan: TownPlanState,
    programme: Programme,
    built: int,
    accepted: int,
    threshold: Decimal,
    today: datetime.date,
    progress: TownProgress | None = None,
) -> TownSchedule:
    """The behind-schedule rule for one town: a milestone missed, or built progress below the
    straight line from plan approval to the construction deadline by more than `threshold`
    percentage points.

    A milestone is missed once its day has passed and the town still does not meet it
    (`unmet_milestones`, the rule reminders and reports use); a plan approved after its day
    stays missed (`TownPlanState.overdue`).
    """
    quota = plan.quota
    unmet = unmet_milestones(
        quota=quota,
        counts={"built": built, "accepted": accepted},
        plan_approved=plan.first_approved_on is not None,
    )
    missed = [
        str(label)
        for key, label, due in programme.milestones()
        if (key in unmet and today > due) or (key == Milestone.PLAN and plan.overdue)
    ]
    return TownSchedule(
        plan=plan,
        progress=progress,
        built=built,
        accepted=accepted,
        built_percent=percent(built, quota) or Decimal("0.0"),
        expected_percent=straight_line_percent(
            plan.first_approved_on, programme.construction_due, today
        ),
        missed=missed,
        threshold=threshold,
    )


def town_overview(
    programme: Programme,
    user: Any,
    today: datetime.date,
    threshold: Decimal | None = None,
) -> list[TownSchedule]:
    """Every town the user sees with progress, milestones and whether it is behind.

    `built` counts households that reached 已完工 (progress_by_town's cumulative stage count).
    """
    if threshold is None:
        threshold = behind_threshold(programme)
    progress = {row.town_id: row for row in progress_by_town(programme, user)}
    rows = []
    for state in plan_states(programme, user, today):
        row = progress.get(state.town_id)
        counts = row.counts if row else {}
        rows.append(
            schedule_for(
                plan=state,
                programme=programme,
                built=counts.get("built", 0),
                accepted=counts.get("accepted", 0),
                threshold=threshold,
                today=today,
                progress=row,
            )
        )
    return rows


def construction_blocked_reason(programme: Programme, town_id: int) -> str | None:
    """Why a town's households cannot start construction yet (核准后实施), or None.

    For the ledger's "start construction" action to show where the button would be; the rule
    itself is `approved_plan_town_ids`.
    """
    if town_id in approved_plan_town_ids(programme):
        return None
    latest = (
        TownPlan.objects.filter(programme=programme, town_id=town_id).order_by("-revision").first()
    )
    if latest is None:
        return _("本镇（街道）尚未编制实施方案，方案经区清洁取暖办核准后方可开工。")
    return _("本镇（街道）实施方案（第%(rev)d版）%(status)s，经区清洁取暖办核准后方可开工。") % {
        "rev": latest.revision,
        "status": latest.get_status_display(),
    }


# --- notices ------------------------------------------------------------------------------


def notice_counts_for_town(town_id: int, today: datetime.date) -> dict[str, int]:
    """Open (awaiting the town) and overdue notices of one town: one query, for the header."""
    return SupervisionNotice.objects.filter(
        town_id=town_id, state__in=AWAITING_TOWN_STATES
    ).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(deadline__lt=today)),
    )


def open_notices(user: Any, today: datetime.date, first: int = 10) -> tuple[list, dict[str, int]]:
    """The user's towns' notices not yet closed, the `first` by deadline, and how many are open
    and overdue (awaiting the town past the deadline): two queries, for the dashboard panel."""
    qs = SupervisionNotice.objects.for_user(user).not_closed()
    counts = qs.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(state__in=AWAITING_TOWN_STATES, deadline__lt=today)),
    )
    return list(qs.select_related("town").order_by("deadline", "id")[:first]), counts


def approved_plan_town_ids(programme: Programme) -> set[int]:
    """Towns whose implementation plan for the programme has an approved revision in force."""
    return set(
        TownPlan.objects.filter(programme=programme, status=PlanStatus.APPROVED).values_list(
            "town_id", flat=True
        )
    )
