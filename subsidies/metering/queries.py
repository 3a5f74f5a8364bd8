"""Read side of metering: held households, flags, adjustments, meters, readings, imports."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from subsidies.metering.models import (
    HELD_STATUSES,
    KIND_BY_ROUTE,
    Adjustment,
    EstimateDecision,
    FlagStatus,
    Meter,
    MeterReading,
    ReadingImport,
    UsageFlag,
)
from tasks.models import Household


def held_households(season: str) -> QuerySet:
    """Households held out of `season`'s batches: a flag of that season open or withheld."""
    return Household.objects.filter(
        usage_flags__season=season, usage_flags__status__in=HELD_STATUSES
    ).values("pk")


def has_reading(prefix: str = "") -> Q:
    """On instalments (or, with `prefix` "instalment__", on rows that point at one): the
    household has a reading of the instalment's season on a meter of its route's kind."""
    out = Q(pk__in=[])
    for route, kind in KIND_BY_ROUTE.items():
        readings = MeterReading.objects.filter(
            meter__household_id=OuterRef(f"{prefix}household_id"),
            meter__kind=kind,
            season=OuterRef(f"{prefix}season"),
        )
        out |= Q(**{f"{prefix}household__route": route}) & Exists(readings)
    return out


def estimated(prefix: str = "") -> Q:
    """An operating instalment priced on its per-unit standard's assumed units per season
    (估算), its season's reading not in: the one rule of "estimated"."""
    from subsidies.models import InstalmentItem, OperatingKind

    return Q(
        **{
            f"{prefix}item": InstalmentItem.OPERATING,
            f"{prefix}standard__operating_kind": OperatingKind.PER_UNIT,
        }
    ) & ~has_reading(prefix)


def awaiting_reading(prefix: str = "") -> Q:
    """Estimated and not decided to be paid on the estimate: it waits for its reading
    (待抄表), held out of the batches like a household with a usage flag."""
    decided = EstimateDecision.objects.filter(instalment_id=OuterRef(f"{prefix}pk"))
    return estimated(prefix) & ~Exists(decided)


def flags_for_user(user: Any, *, status: str = "", season: str = "", q: str = "") -> QuerySet:
    qs = UsageFlag.objects.for_user(user).select_related(
        "household__town", "household__village", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    if season:
        qs = qs.filter(season=season)
    if q:
        qs = qs.filter(Q(household__head_name__icontains=q) | Q(household__id_number__endswith=q))
    return qs.order_by("status", "-raised_at", "-id")


def open_flag_count(user: Any) -> int:
    return UsageFlag.objects.for_user(user).filter(status=FlagStatus.OPEN).count()


def adjustments_for_user(user: Any, *, status: str = "", kind: str = "") -> QuerySet:
    qs = Adjustment.objects.for_user(user).select_related(
        "household__town", "instalment", "offset_instalment", "settled_by"
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def household_meters(household: Household) -> list[Meter]:
    return list(household.meters.select_related("utility").order_by("kind", "-installed_on"))


def current_meters(household: Household) -> list[Meter]:
    """The meters in use (not replaced), for the household page's card."""
    return list(
        household.meters.filter(replaced_on__isnull=True).select_related("utility").order_by("kind")
    )


def household_readings(household: Household) -> list[MeterReading]:
    return list(
        MeterReading.objects.filter(meter__household=household)
        .select_related("meter")
        .order_by("season", "meter__number")
    )


def recent_imports(limit: int = 10) -> QuerySet:
    return ReadingImport.objects.select_related("by", "utility")[:limit]
