"""Read side of villages: the list a user may see, one village, its history, merge targets."""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from tasks.collation import Pinyin
from tasks.models import HouseholdTally, TownPlanLine, Village
from zichuan_heating.scoping import get_for_user_or_404

PAGE_SIZE = 50


def villages_for_user(user: Any, *, town_id: int | None = None, q: str = "") -> QuerySet:
    """The villages a user may see, in town order then pinyin order, with their counts.

    Each count is a subquery, computed for the rows shown only: the households from the
    household tally (exact, kept by triggers; every programme and status summed), the plan
    lines counted. Counting through joins read every household of the district for a page
    of fifty villages (2 s at a million households).
    """
    qs = Village.objects.for_user(user).select_related("town")
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.annotate(
        household_count=_count_of(
            HouseholdTally.objects.filter(village_id=OuterRef("pk")), "village_id", Sum("n")
        ),
        plan_line_count=_count_of(
            TownPlanLine.objects.filter(village=OuterRef("pk")), "village", Count("id")
        ),
    ).order_by("town__order", Pinyin("name"), "id")


def _count_of(rows: QuerySet, key: str, aggregate: Any) -> Coalesce:
    """One village's total of `rows` (grouped by `key`), 0 where it has none."""
    total = rows.order_by().values(key).annotate(total=aggregate).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def village_for_user_or_404(user: Any, pk: int) -> Village:
    return get_for_user_or_404(Village.objects.select_related("town"), user, pk=pk)


def village_history(village: Village) -> QuerySet:
    return village.history.select_related("history_user").order_by("-history_date", "-history_id")


def merge_targets(village: Village) -> QuerySet:
    """The villages `village` may be merged into: the others of its town."""
    return (
        Village.objects.filter(town_id=village.town_id)
        .exclude(pk=village.pk)
        .order_by(Pinyin("name"), "id")
    )


def town_has_villages(town_id: int | None) -> bool:
    return town_id is not None and Village.objects.filter(town_id=town_id).exists()
