"""What every acceptance action shares: who may act, the household lock, dates, saving."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tasks.models import Household


def require(by: Any, perm: str, household: Household) -> None:
    """The acting user holds the permission and the household is within their towns."""
    require_all(by, perm, [household])


def require_all(by: Any, perm: str, households: Sequence[Household]) -> None:
    """`require` for many households at once: one query, whatever their number."""
    if by is None or not by.has_perm(perm):
        raise PermissionDenied
    pks = {h.pk for h in households}
    if Household.objects.for_user(by).filter(pk__in=pks).count() != len(pks):
        raise PermissionDenied


def lock_households(pks: list[int]) -> dict[int, Household]:
    """The households' rows locked (the one household lock, pk order), by primary key."""
    rows = (
        Household.objects.filter(pk__in=pks)
        .select_related("contractor", "town", "programme")
        .locked()
    )
    return {h.pk: h for h in rows}


def lock_household(household: Household) -> Household:
    return lock_households([household.pk])[household.pk]


def day(value: datetime.date) -> str:
    return value.strftime("%Y-%m-%d")


def check_past_date(value: datetime.date | None, missing: str, future: str) -> list[str]:
    """A date that must be given and may not lie after today (both messages translated)."""
    if value is None:
        return [missing]
    if value > timezone.localdate():
        return [future]
    return []


def save_household(household: Household, fields: list[str], by: Any, reason: str) -> None:
    """Save the changed fields with history; `reason` is a `HouseholdReason` constant."""
    household._history_user = by
    household._change_reason = reason
    household.save(update_fields=[*fields, "updated_at"])
