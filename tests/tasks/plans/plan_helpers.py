"""Helpers for plan and supervision tests: valid lines for a town, and a plan taken to a state."""

import datetime

from tasks.models import PlanStatus, Route, TownPlan
from tasks.plans import services as ps
from tests.factories import ContractorFactory, VillageFactory


def valid_lines(town, quota: int, villages: int = 2) -> list[dict]:
    """Lines that pass every check: they add up to `quota`, finish by 8/30, two safety officers."""
    contractor = ContractorFactory(name="淄川燃气公司")
    sizes = [quota // villages] * villages
    sizes[-1] += quota - sum(sizes)
    return [
        {
            "village": VillageFactory(town=town, name=f"{town.name[:2]}{i + 1}村"),
            "route": Route.GAS,
            "households": n,
            "planned_start": datetime.date(2021, 6, 20),
            "planned_finish": datetime.date(2021, 8, 20),
            "contractor": contractor,
            "contractor_safety_officer": "张安全",
            "contractor_safety_phone": "13905331111",
            "village_safety_officer": f"李村{i + 1}",
            "village_safety_phone": "13905332222",
        }
        for i, n in enumerate(sizes)
    ]


def draft_plan(programme, town, official, **fields) -> TownPlan:
    quota = town.quotas.get(programme=programme).households
    fields.setdefault("summary", "分两村实施气代煤。")
    fields.setdefault("emergency_arrangements", "镇应急办值班电话 0533-5180000。")
    lines = fields.pop("lines", None)
    return ps.plan_create(
        programme=programme,
        town=town,
        by=official,
        lines=lines if lines is not None else valid_lines(town, quota),
        **fields,
    )


def approved_plan(programme, town, official, district) -> TownPlan:
    plan = draft_plan(programme, town, official)
    ps.plan_submit(plan=plan, by=official)
    ps.plan_approve(plan=plan, by=district)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    return plan


def line_dicts(plan: TownPlan) -> list[dict]:
    """A plan's lines as the dicts plan_update takes, to edit and write back."""
    return [
        {name: getattr(line, name) for name in ps.LINE_FIELDS}
        for line in plan.lines.select_related("village", "contractor").order_by("village__name")
    ]
