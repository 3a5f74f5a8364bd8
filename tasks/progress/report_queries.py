"""Grouped counts for reminders and progress reports: a fixed number of queries whatever the
number of households.

The counting itself is `tasks.queries.stage_counts`, the same rule the dashboard uses.
"""

from collections.abc import Iterable, Iterator

from tasks.models import Household, Programme, Quota, Village
from tasks.progress.queries import stage_counts as _stage_counts
from tasks.villages.collation import Pinyin


def stage_counts(programme: Programme, town_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """{town_id: {stage: cumulative count}} for towns that have households (one query)."""
    if town_ids is None:
        return _stage_counts(programme)
    return _stage_counts(programme, town_id__in=list(town_ids))


def quotas(programme: Programme, town_ids: Iterable[int] | None = None) -> list[Quota]:
    qs = Quota.objects.filter(programme=programme).select_related("town")
    if town_ids is not None:
        qs = qs.filter(town_id__in=list(town_ids))
    return list(qs.order_by("town__order", "town__code"))


def village_stage_counts(programme: Programme, town_id: int) -> list[tuple[Village, dict]]:
    """Villages of a town with their cumulative counts: two queries."""
    counts = _stage_counts(programme, group_by="village_id", town_id=town_id)
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
