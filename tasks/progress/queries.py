"""Read-side queries of progress: stage counts and progress by town against quota."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from tasks.models import Programme, Quota

#: The progress stages shown on the dashboard, in order. Later modules fill their counts.
PROGRESS_STAGES = ("registered", "contracted", "under_construction", "built", "accepted")


@dataclass
class TownProgress:
    town_id: int
    town_code: str
    town_name: str
    town_kind: str
    quota: int
    counts: dict[str, int | None]

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
    or another column such as "village_id"; `filters` narrow the households."""
    from tasks.models import Household

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
    rows = []
    for q in quotas:
        town_counts = counts.get(q.town_id)
        rows.append(
            TownProgress(
                town_id=q.town_id,
                town_code=q.town.code,
                town_name=q.town.name,
                town_kind=q.town.get_kind_display(),
                quota=q.households,
                counts={s: (town_counts or {}).get(s) if counts else None for s in PROGRESS_STAGES},
            )
        )
    return rows


def progress_total(rows: list[TownProgress]) -> TownProgress:
    quota = sum(r.quota for r in rows)
    counts: dict[str, int | None] = {}
    for s in PROGRESS_STAGES:
        values = [r.counts.get(s) for r in rows]
        counts[s] = None if all(v is None for v in values) else sum(v or 0 for v in values)
    return TownProgress(0, "", str(_("合计")), "", quota, counts)


def district_quota_total(programme: Programme) -> int:
    """The whole district's quota, which every role may know (the plan publishes it)."""
    return Quota.objects.filter(programme=programme).aggregate(n=Sum("households"))["n"] or 0
