"""Grouped counts for reminders and progress reports: a fixed number of queries whatever the
number of households.

The dashboard's `tasks.queries.stage_counts_by_town` (ledger module) computes the same cumulative
counts; until it lands these are computed here from `Household.status`, in one GROUP BY.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Count

from .models import Household, HouseholdStatus, Programme, Quota, Village
from .queries import PROGRESS_STAGES

#: Which statuses count towards each cumulative stage: a built household was also contracted.
STAGE_STATUSES: dict[str, frozenset[str]] = {
    "registered": frozenset(
        {
            HouseholdStatus.SURVEYED,
            HouseholdStatus.CONTRACTED,
            HouseholdStatus.UNDER_CONSTRUCTION,
            HouseholdStatus.BUILT,
            HouseholdStatus.ACCEPTED,
        }
    ),
    "contracted": frozenset(
        {
            HouseholdStatus.CONTRACTED,
            HouseholdStatus.UNDER_CONSTRUCTION,
            HouseholdStatus.BUILT,
            HouseholdStatus.ACCEPTED,
        }
    ),
    "under_construction": frozenset(
        {HouseholdStatus.UNDER_CONSTRUCTION, HouseholdStatus.BUILT, HouseholdStatus.ACCEPTED}
    ),
    "built": frozenset({HouseholdStatus.BUILT, HouseholdStatus.ACCEPTED}),
    "accepted": frozenset({HouseholdStatus.ACCEPTED}),
}


def cumulative(by_status: dict[str, int]) -> dict[str, int]:
    return {
        stage: sum(n for status, n in by_status.items() if status in STAGE_STATUSES[stage])
        for stage in PROGRESS_STAGES
    }


def stage_counts(programme: Programme, town_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """{town_id: {stage: cumulative count}} in one grouped query (withdrawn never counts)."""
    qs = Household.objects.filter(programme=programme)
    if town_ids is not None:
        qs = qs.filter(town_id__in=list(town_ids))
    raw: dict[int, dict[str, int]] = defaultdict(dict)
    for town_id, status, n in (
        qs.order_by().values_list("town_id", "status").annotate(n=Count("id"))
    ):
        raw[town_id][status] = n
    return {town_id: cumulative(by_status) for town_id, by_status in raw.items()}


def quotas(programme: Programme, town_ids: Iterable[int] | None = None) -> list[Quota]:
    qs = Quota.objects.filter(programme=programme).select_related("town")
    if town_ids is not None:
        qs = qs.filter(town_id__in=list(town_ids))
    return list(qs.order_by("town__order", "town__code"))


def village_stage_counts(programme: Programme, town_id: int) -> list[tuple[Village, dict]]:
    """Villages of a town with their cumulative counts: two queries."""
    raw: dict[int, dict[str, int]] = defaultdict(dict)
    for village_id, status, n in (
        Household.objects.filter(programme=programme, town_id=town_id)
        .order_by()
        .values_list("village_id", "status")
        .annotate(n=Count("id"))
    ):
        raw[village_id][status] = n
    villages = Village.objects.filter(town_id=town_id, pk__in=list(raw)).order_by("name")
    return [(v, cumulative(raw[v.pk])) for v in villages]


#: Columns of the household annex, in order.
ANNEX_FIELDS = ("village__name", "head_name", "id_number", "route", "status")


def annex_rows(programme: Programme, town_id: int, chunk_size: int = 5000) -> Iterator[tuple]:
    """The town's households as plain tuples, streamed (no model instances: 20,000 rows fit)."""
    return (
        Household.objects.filter(programme=programme, town_id=town_id)
        .order_by("village__name", "head_name", "id")
        .values_list(*ANNEX_FIELDS)
        .iterator(chunk_size=chunk_size)
    )
