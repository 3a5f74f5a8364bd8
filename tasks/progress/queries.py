"""Read-side queries of progress: stage counts, progress by town against quota, which towns
miss which milestone, and the grouped rows the reports and reminders read.

Every figure is a grouped count: a fixed number of queries whatever the number of households.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from tasks.collation import Pinyin
from tasks.models import Household, Milestone, Programme, Quota, Town, Village

#: The progress stages shown on the dashboard, in order.
PROGRESS_STAGES = ("registered", "contracted", "under_construction", "built", "accepted")


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
        return [
            {"key": s, "count": self.counts.get(s), "percent": self.percent(s)}
            for s in PROGRESS_STAGES
        ]


def percent(count: int | None, total: int) -> Decimal | None:
    if count is None or not total:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


#: Statuses counted at each stage: the stages are cumulative (a built household was also
#: contracted), and withdrawn households count nowhere.
STAGE_STATUSES = {
    "registered": ("surveyed", "contracted", "under_construction", "built", "accepted"),
    "contracted": ("contracted", "under_construction", "built", "accepted"),
    "under_construction": ("under_construction", "built", "accepted"),
    "built": ("built", "accepted"),
    "accepted": ("accepted",),
}


def stage_counts(
    programme: Programme, *, group_by: str = "town_id", **filters: Any
) -> dict[int, dict[str, int]]:
    """{group id: {stage: cumulative count}} in one grouped query, grouped by town (default)
    or another column such as "village_id"; `filters` narrow the households. Groups without
    households are absent."""
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


def progress_by_town(programme: Programme, user: Any) -> list[TownProgress]:
    """One row per town the user may see: its quota and the count at each stage.

    Two queries whatever the number of towns: quotas with towns, then grouped counts.
    """
    quotas = list(
        Quota.objects.for_user(user)
        .filter(programme=programme)
        .select_related("town")
        .order_by("town__order", "town__code")
    )
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
    counts = {s: sum(r.counts.get(s) or 0 for r in rows) for s in PROGRESS_STAGES}
    return TownProgress(0, "", str(_("合计")), "", quota, counts)


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


def village_stage_counts(programme: Programme, town_id: int) -> list[tuple[Village, dict]]:
    """Villages of a town with their cumulative counts: two queries."""
    counts = stage_counts(programme, group_by="village_id", town_id=town_id)
    villages = Village.objects.filter(town_id=town_id, pk__in=list(counts))  # pinyin order
    return [(v, counts[v.pk]) for v in villages]


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
