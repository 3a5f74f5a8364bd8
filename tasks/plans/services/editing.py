"""Writing a town's plan: the first draft, edits, and a new revision of the approved plan."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tasks.models import (
    PLAN_FLOW,
    Contractor,
    PlanReason,
    PlanStatus,
    Programme,
    Town,
    TownPlan,
    TownPlanLine,
    Village,
)
from tasks.models.plans import OPEN_PLAN_STATUSES
from tasks.plans.checks import PLAN_TEXT_FIELDS
from tasks.plans.services.access import require_town_official

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
_RELATED = {"village": Village, "contractor": Contractor}


def lock_plan(plan: TownPlan) -> TownPlan:
    return TownPlan.objects.select_for_update().select_related("programme", "town").get(pk=plan.pk)


def _clean_line_data(plan: TownPlan, data: Mapping[str, Any], index: int) -> TownPlanLine:
    line = TownPlanLine(plan=plan)
    for name in LINE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in _RELATED and isinstance(value, int):
            value = _RELATED[name].objects.get(pk=value)
        if value is None and name not in _RELATED:
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


def _field_value(line: TownPlanLine, name: str) -> Any:
    return getattr(line, f"{name}_id") if name in _RELATED else getattr(line, name)


def _write_lines(plan: TownPlan, lines: Iterable[Mapping[str, Any]], by: Any) -> None:
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
            line._history_user = by
            line.save()
            continue
        changed = [f for f in LINE_FIELDS if _field_value(old, f) != _field_value(line, f)]
        if changed:
            for f in changed:
                setattr(old, f, getattr(line, f))
            old._history_user = by
            old.save()
    for old in existing.values():
        old._history_user = by
        old.delete()


def _write(
    plan: TownPlan,
    fields: Mapping[str, Any],
    lines: Iterable[Mapping] | None,
    by: Any,
    reason: PlanReason,
) -> None:
    unknown = set(fields) - set(PLAN_TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(plan, name, (value or "").strip())
    plan._change_reason = reason
    plan._history_user = by
    plan.save()
    if lines is not None:
        _write_lines(plan, lines, by)


@transaction.atomic
def plan_create(
    *,
    programme: Programme,
    town: Town,
    by: Any,
    lines: Iterable[Mapping[str, Any]] = (),
    **fields: str,
) -> TownPlan:
    """The town's first plan for the programme, as a draft."""
    require_town_official(by, town.pk, "tasks.add_townplan")
    # Lock the town row so two first drafts cannot race past the check below.
    Town.objects.select_for_update().get(pk=town.pk)
    if TownPlan.objects.filter(programme=programme, town=town).exists():
        raise ValidationError(_("本镇（街道）已有实施方案，请在现有方案上修改。"))
    plan = TownPlan(programme=programme, town=town, revision=1, status=PlanStatus.DRAFT)
    _write(plan, fields, lines, by, PlanReason.CREATE)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: TownPlan,
    by: Any,
    lines: Iterable[Mapping[str, Any]] | None = None,
    **fields: str,
) -> TownPlan:
    """Edit a draft or returned revision in place; editing the approved revision opens a new
    revision copied from it, and the approved one stays in force until the new one is approved.

    Returns the revision that was written (which is a new object in the second case).
    """
    require_town_official(by, plan.town_id, "tasks.change_townplan")
    plan = lock_plan(plan)
    if plan.status == PlanStatus.APPROVED:
        plan = _open_new_revision(plan, by)
    else:
        PLAN_FLOW.check(plan, "edit")
    _write(plan, fields, lines, by, PlanReason.UPDATE)
    return plan


def _open_new_revision(approved: TownPlan, by: Any) -> TownPlan:
    pending = TownPlan.objects.filter(
        programme_id=approved.programme_id,
        town_id=approved.town_id,
        status__in=OPEN_PLAN_STATUSES,
    ).first()
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
    new._change_reason = PlanReason.NEW_REVISION
    new._history_user = by
    new.save()
    for line in approved.lines.all():
        line.pk = None
        line.id = None
        line.plan = new
        line._state.adding = True
        line._history_user = by
        line.save()
    return new


@transaction.atomic
def plan_revision_open(*, plan: TownPlan, by: Any) -> TownPlan:
    """Start a new revision from the approved one without changing anything yet."""
    require_town_official(by, plan.town_id, "tasks.change_townplan")
    plan = lock_plan(plan)
    PLAN_FLOW.check(plan, "revise")
    return _open_new_revision(plan, by)
