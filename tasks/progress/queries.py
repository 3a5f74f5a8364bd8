"""Read-side queries of progress: stage counts, progress by town against quota, which towns
miss which milestone, and the grouped rows the reports and reminders read.

Every figure is a grouped count: a fixed number of queries whatever the number of households,
and the stage counts read the household tally (`tasks.models.tallies`), not the households.
"""

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tasks.collation import Pinyin
from tasks.models import (
    Household,
    HouseholdTally,
    Milestone,
    Programme,
    Quota,
    StageDayTally,
    Town,
    Village,
)
from zichuan_heating.memo import per_request

#: Cumulative stages, in order: everyone who reached the stage, whatever they are now (a built
#: household was also contracted and started). Percentages are taken against the task.
PROGRESS_STAGES = ("registered", "contracted", "started", "built", "accepted")
#: Current stages, in order: the households whose status is that one today.
CURRENT_STAGES = ("surveyed", "awaiting_start", "under_construction", "awaiting_acceptance")

#: Statuses counted at each stage; withdrawn households count nowhere.
STAGE_STATUSES = {
    "registered": ("surveyed", "contracted", "under_construction", "built", "accepted"),
    "contracted": ("contracted", "under_construction", "built", "accepted"),
    "started": ("under_construction", "built", "accepted"),
    "built": ("built", "accepted"),
    "accepted": ("accepted",),
    "surveyed": ("surveyed",),
    "awaiting_start": ("contracted",),
    "under_construction": ("under_construction",),
    "awaiting_acceptance": ("built",),
}

#: What every page and report calls each stage: a cumulative figure says 累计, a current one
#: names the state the households are in today.
STAGE_LABELS = {
    "registered": gettext_lazy("已登记累计"),
    "contracted": gettext_lazy("已签约累计"),
    "started": gettext_lazy("已开工累计"),
    "built": gettext_lazy("已完工累计"),
    "accepted": gettext_lazy("已验收累计"),
    "surveyed": gettext_lazy("待签约"),
    "awaiting_start": gettext_lazy("待开工"),
    "under_construction": gettext_lazy("施工中"),
    "awaiting_acceptance": gettext_lazy("待验收"),
}


def stage_headings() -> dict[str, list]:
    """The column headings of a progress table: cumulative stages, then current ones."""
    return {
        "cumulative_labels": [STAGE_LABELS[s] for s in PROGRESS_STAGES],
        "current_labels": [STAGE_LABELS[s] for s in CURRENT_STAGES],
    }


def stage_cells(counts: Mapping[str, int], task: int) -> list[dict[str, Any]]:
    """The cumulative stages with their percentage of `task`, then the current ones (a
    percentage of a current count would mean nothing once households move on)."""
    cells = [
        {
            "key": s,
            "label": STAGE_LABELS[s],
            "count": counts.get(s) or 0,
            "percent": percent(counts.get(s) or 0, task),
            "cumulative": True,
        }
        for s in PROGRESS_STAGES
    ]
    cells += [
        {
            "key": s,
            "label": STAGE_LABELS[s],
            "count": counts.get(s) or 0,
            "percent": None,
            "cumulative": False,
        }
        for s in CURRENT_STAGES
    ]
    return cells


@dataclass
class TownProgress:
    town_id: int
    town_code: str
    town_name: str
    town_kind: str
    quota: int
    counts: dict[str, int]

    def percent(self, stage: str) -> Decimal | None:
        return percent(self.counts.get(stage), self.quota)

    def stages(self) -> list[dict[str, Any]]:
        return stage_cells(self.counts, self.quota)


def percent(count: int | None, total: int) -> Decimal | None:
    if count is None or not total:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


#: The filters and groups the household tally answers (`tasks.models.HouseholdTally`).
TALLY_GROUPS = ("town_id", "village_id")
TALLY_FILTERS = frozenset({"town_id", "town_id__in", "village_id", "village_id__in"})


def stage_counts(
    programme: Programme, *, group_by: str = "town_id", **filters: Any
) -> dict[int, dict[str, int]]:
    """{group id: {stage: count}} for the cumulative and the current stages, grouped by town
    (default) or another column such as "village_id"; `filters` narrow the households. Groups
    without households are absent.

    By town or village, narrowed by them, the counts come from the household tally (one small
    grouped query, exact: triggers keep it in the writes' transactions); any other grouping
    or filter counts the households themselves."""
    if group_by not in TALLY_GROUPS or not set(filters) <= TALLY_FILTERS:
        return _stage_counts_of_households(programme, group_by, filters)
    rows = (
        HouseholdTally.objects.filter(programme_id=programme.pk, n__gt=0, **filters)
        .values_list(group_by, "status")
        .annotate(total=Sum("n"))
        .order_by()
    )
    by_status: dict[int, dict[str, int]] = {}
    for group, status, n in rows:
        by_status.setdefault(group, {})[status] = n
    return {group: stages_of(statuses) for group, statuses in by_status.items()}


def stages_of(by_status: Mapping[str, int]) -> dict[str, int]:
    """{stage: count} from {status: count}: each stage adds up its statuses."""
    return {
        stage: sum(by_status.get(status, 0) for status in statuses)
        for stage, statuses in STAGE_STATUSES.items()
    }


def _stage_counts_of_households(
    programme: Programme, group_by: str, filters: Mapping[str, Any]
) -> dict[int, dict[str, int]]:
    aggregates = {
        stage: Count("id", filter=Q(status__in=statuses))
        for stage, statuses in STAGE_STATUSES.items()
    }
    rows = (
        Household.objects.filter(programme=programme, **filters)
        .values(group_by)
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop(group_by): row for row in rows}


def stage_counts_by_town(programme: Programme, town_ids: list[int]) -> dict[int, dict[str, int]]:
    """Counts per town per stage; every asked town gets a row of zeros at least, so the
    dashboard shows 0 rather than "not counted yet"."""
    counts = {town_id: dict.fromkeys(STAGE_STATUSES, 0) for town_id in town_ids}
    counts.update(stage_counts(programme, town_id__in=town_ids))
    return counts


@per_request
def quotas_for_user(programme: Programme, user: Any) -> list[Quota]:
    """The programme's quotas of the towns the user may see, with their towns, in town order:
    the rows of every per-town table. One query."""
    return list(
        Quota.objects.for_user(user)
        .filter(programme=programme)
        .select_related("town")
        .order_by("town__order", "town__code")
    )


def progress_by_town(programme: Programme, user: Any) -> list[TownProgress]:
    """One row per town the user may see: its quota and the count at each stage.

    Two queries whatever the number of towns: quotas with towns, then grouped counts.
    """
    quotas = quotas_for_user(programme, user)
    counts = stage_counts_by_town(programme, [q.town_id for q in quotas])
    return [
        TownProgress(
            town_id=q.town_id,
            town_code=q.town.code,
            town_name=q.town.name,
            town_kind=q.town.get_kind_display(),
            quota=q.households,
            counts=counts[q.town_id],
        )
        for q in quotas
    ]


def progress_total(rows: list[TownProgress]) -> TownProgress:
    quota = sum(r.quota for r in rows)
    counts = {s: sum(r.counts.get(s) or 0 for r in rows) for s in STAGE_STATUSES}
    return TownProgress(0, "", str(_("合计")), "", quota, counts)


@per_request
def stage_day_rows(
    programme: Programme, town_id: int | None = None
) -> list[tuple[str, int, datetime.date, int]]:
    """Every non-empty (stage, town, day, n) of the programme's stage-day tally (one town's
    when given), in day and town order: one read a page's curve, timeline and acceptance panel
    share (a few thousand rows at a million households: stages × towns × days; a town's page
    reads only its own). Each filters its stages and towns."""
    qs = StageDayTally.objects.filter(programme_id=programme.pk, n__gt=0)
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    return list(qs.values_list("stage", "town_id", "day", "n").order_by("day", "town_id"))


def towns_stage_day_rows(
    programme: Programme, town_ids: Iterable[int] | None = None
) -> list[tuple[str, int, datetime.date, int]]:
    """`stage_day_rows` of these towns (every town's when None), in day and town order. One
    town's (a town official's page) are read in SQL; several share the page's read of all."""
    if town_ids is None:
        return stage_day_rows(programme, None)
    wanted = set(town_ids)
    scope = next(iter(wanted)) if len(wanted) == 1 else None
    return [row for row in stage_day_rows(programme, scope) if row[1] in wanted]


def stage_day_counts(
    programme: Programme, stage: str, town_ids: Iterable[int] | None = None
) -> list[tuple[int, datetime.date, int]]:
    """(town, day, n) of one stage from `towns_stage_day_rows`, in day and town order; only
    these towns' when given."""
    return [
        (town, day, n)
        for s, town, day, n in towns_stage_day_rows(programme, town_ids)
        if s == stage
    ]


def district_stage_days(programme: Programme, stage: str) -> list[tuple[datetime.date, int]]:
    """(day, n) of one stage over every town, in day order: the district's running total
    (one grouped read of the stage-day tally, a row a day, whatever page asks)."""
    return list(
        StageDayTally.objects.filter(programme_id=programme.pk, stage=stage, n__gt=0)
        .values("day")
        .annotate(total=Sum("n"))
        .values_list("day", "total")
        .order_by("day")
    )


@per_request
def district_quota_total(programme: Programme) -> int:
    """The whole district's quota, which every role may know (the plan publishes it)."""
    return Quota.objects.filter(programme=programme).aggregate(n=Sum("households"))["n"] or 0


def town_quotas(programme: Programme, town_ids: Iterable[int] | None = None) -> list[Quota]:
    """Quotas with their towns in the district's order (every town, or those asked for)."""
    qs = Quota.objects.filter(programme=programme).select_related("town")
    if town_ids is not None:
        qs = qs.filter(town_id__in=list(town_ids))
    return list(qs.order_by("town__order", "town__code"))


# --- milestones ----------------------------------------------------------------------------

#: The stage whose cumulative count must reach the quota for each construction milestone.
MILESTONE_STAGES = {Milestone.CONSTRUCTION: "built", Milestone.ACCEPTANCE: "accepted"}


def unmet_milestones(
    *, quota: int, counts: Mapping[str, int], plan_approved: bool
) -> dict[str, int | None]:
    """THE rule of which milestone a town does not meet on its figures: the plan until one is
    approved, construction until built reaches the quota, acceptance until accepted does.

    {milestone: how many households are done (None for the plan)}; the dates are the caller's
    (reminders fire before the due day, the schedule counts a milestone missed after it).
    """
    unmet: dict[str, int | None] = {}
    if not plan_approved:
        unmet[Milestone.PLAN] = None
    for milestone, stage in MILESTONE_STAGES.items():
        done = counts.get(stage) or 0
        if done < quota:
            unmet[milestone] = done
    return unmet


@dataclass
class Standing:
    """A town's figures for one milestone it does not meet."""

    town: Town
    quota: int
    done: int | None  # None for the plan milestone (approved or not)

    @property
    def missing(self) -> int:
        return max(self.quota - (self.done or 0), 0)

    def figures(self, milestone: str) -> str:
        """In one line, e.g. 建设任务 458 户，已完工 301 户，还差 157 户."""
        if milestone == Milestone.PLAN:
            return _("实施方案尚未核准")
        label = _("已完工") if milestone == Milestone.CONSTRUCTION else _("已验收")
        return _("建设任务 %(quota)s 户，%(label)s %(done)s 户，还差 %(missing)s 户") % {
            "quota": self.quota,
            "label": label,
            "done": self.done or 0,
            "missing": self.missing,
        }


def lagging_towns(
    programme: Programme, town_ids: Iterable[int] | None = None
) -> dict[str, list[Standing]]:
    """For each milestone, the towns (every town, or those asked for) that do not meet it on
    today's figures, in the district's order: three queries."""
    from tasks.plans.queries import approved_plan_town_ids

    ids = None if town_ids is None else list(town_ids)
    counts = stage_counts(programme) if ids is None else stage_counts(programme, town_id__in=ids)
    approved = approved_plan_town_ids(programme)
    result: dict[str, list[Standing]] = {m: [] for m in (Milestone.PLAN, *MILESTONE_STAGES)}
    for q in town_quotas(programme, ids):
        unmet = unmet_milestones(
            quota=q.households,
            counts=counts.get(q.town_id, {}),
            plan_approved=q.town_id in approved,
        )
        for milestone, done in unmet.items():
            result[milestone].append(Standing(q.town, q.households, done))
    return result


# --- report rows ---------------------------------------------------------------------------


@dataclass
class VillageProgress:
    """A village's figures: its task is what the town's approved plan gives it (the sum of the
    plan's lines for the village), None without an approved plan; registered is shown beside
    it, never in its place."""

    village: Village
    task: int | None
    counts: dict[str, int]

    @property
    def name(self) -> str:
        return self.village.name

    @property
    def registered(self) -> int:
        return self.counts.get("registered") or 0

    def stages(self) -> list[dict[str, Any]]:
        return stage_cells(self.counts, self.task or 0)


def village_tasks(programme: Programme, town_id: int) -> dict[int, int]:
    """{village id: households} of the town's plan in force (the approved revision)."""
    from tasks.models import PlanStatus, TownPlanLine

    rows = (
        TownPlanLine.objects.filter(
            plan__programme=programme, plan__town_id=town_id, plan__status=PlanStatus.APPROVED
        )
        .values("village_id")
        .annotate(n=Sum("households"))
        .order_by()
    )
    return {row["village_id"]: row["n"] for row in rows}


def village_progress(programme: Programme, town_id: int) -> list[VillageProgress]:
    """Villages of a town that have households or a plan line, with their task and counts:
    three queries."""
    counts = stage_counts(programme, group_by="village_id", town_id=town_id)
    tasks = village_tasks(programme, town_id)
    villages = Village.objects.filter(town_id=town_id, pk__in=[*counts, *tasks])  # pinyin order
    return [
        VillageProgress(
            village=v,
            task=tasks.get(v.pk),
            counts={**dict.fromkeys(STAGE_STATUSES, 0), **counts.get(v.pk, {})},
        )
        for v in villages
    ]


#: Columns of the household annex, in order.
ANNEX_FIELDS = ("village__name", "head_name", "id_number", "route", "status")


def annex_rows(programme: Programme, town_id: int, chunk_size: int = 5000) -> Iterator[tuple]:
    """The town's households as plain tuples, streamed (no model instances: 20,000 rows fit)."""
    return (
        Household.objects.filter(programme=programme, town_id=town_id)
        .order_by(Pinyin("village__name"), Pinyin("head_name"), "id")
        .values_list(*ANNEX_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
