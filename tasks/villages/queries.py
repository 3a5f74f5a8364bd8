"""Read side of villages: the list a user may see, one village, its history, merge targets."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from tasks.collation import Pinyin
from tasks.models import Village
from zichuan_heating.scoping import get_for_user_or_404

PAGE_SIZE = 50


def villages_for_user(user: Any, *, town_id: int | None = None, q: str = "") -> QuerySet:
    """The villages a user may see, in town order then pinyin order, with their counts.

    Two counts over two joins would multiply each other, so they are distinct counts.
    """
    qs = Village.objects.for_user(user).select_related("town")
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.annotate(
        household_count=Count("households", distinct=True),
        plan_line_count=Count("plan_lines", distinct=True),
    ).order_by("town__order", Pinyin("name"), "id")


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
