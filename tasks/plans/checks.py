"""What stops a plan from being submitted, the town's quota, and the frozen copy a submission
keeps: reads that the submission service, the pages and the tests share."""

from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.models import Quota, Route, TownPlan, TownPlanLine

PLAN_TEXT_FIELDS = ("summary", "emergency_arrangements", "quota_shortfall_reason")

#: The two safety officers every line needs (双安全员), as (field, what is missing).
_SAFETY_FIELDS = (
    ("contractor_safety_officer", gettext_lazy("企业安全员姓名")),
    ("contractor_safety_phone", gettext_lazy("企业安全员电话")),
    ("village_safety_officer", gettext_lazy("村级安全员姓名")),
    ("village_safety_phone", gettext_lazy("村级安全员电话")),
)


def town_quota(programme_id: int, town_id: int) -> int:
    return (
        Quota.objects.filter(programme_id=programme_id, town_id=town_id).aggregate(
            n=Sum("households")
        )["n"]
        or 0
    )


def _line_errors(plan: TownPlan, line: TownPlanLine, head: str) -> list[str]:
    errors = []
    due = plan.programme.construction_due
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
    missing = [str(what) for name, what in _SAFETY_FIELDS if not getattr(line, name).strip()]
    if missing:
        errors.append(
            head + _("：缺少%(what)s（双安全员必须配齐）。") % {"what": "、".join(missing)}
        )
    return errors


def plan_check(plan: TownPlan) -> list[str]:
    """Everything that stops a submission, in Chinese, each naming the line it is about."""
    errors: list[str] = []
    lines = list(plan.lines.select_related("village").order_by("village__name", "route", "id"))
    if not lines:
        errors.append(_("方案至少应包含一个村（居）的实施明细。"))
    if not plan.emergency_arrangements.strip():
        errors.append(_("请填写应急联络安排。"))
    for i, line in enumerate(lines, start=1):
        head = _("第%(n)d行（%(label)s）") % {"n": i, "label": line.label()}
        errors.extend(_line_errors(plan, line, head))
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


_SNAPSHOT_LINE_FIELDS = (
    "village_id",
    "route",
    "households",
    "contractor_id",
    "contractor_safety_officer",
    "contractor_safety_phone",
    "village_safety_officer",
    "village_safety_phone",
)


def _line_snapshot(line: TownPlanLine) -> dict[str, Any]:
    data = {name: getattr(line, name) for name in _SNAPSHOT_LINE_FIELDS}
    data.update(
        village=line.village.name,
        route_label=str(Route(line.route).label),
        planned_start=line.planned_start.isoformat(),
        planned_finish=line.planned_finish.isoformat(),
        contractor=line.contractor.name if line.contractor else "",
    )
    return data


def plan_snapshot(plan: TownPlan) -> dict[str, Any]:
    """A JSON-ready copy of the revision; names are stored too so old snapshots stay readable
    after a village or contractor is renamed."""
    lines = [
        _line_snapshot(line)
        for line in plan.lines.select_related("village", "contractor").order_by(
            "village__name", "route", "id"
        )
    ]
    return {
        "revision": plan.revision,
        "town": plan.town.name,
        "quota": town_quota(plan.programme_id, plan.town_id),
        "total_households": sum(x["households"] for x in lines),
        **{f: getattr(plan, f) for f in PLAN_TEXT_FIELDS},
        "lines": lines,
    }
