"""Read-side queries of the subsidies app: amounts by season and town, schedules, batches.

"Committed" (已承诺) = every instalment not cancelled (scheduled + in a batch + paid);
"batched" = in a batch, not yet paid; "paid" = paid. One-off items have no season and are
reported under the label 一次性补贴.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from acceptance.queries import accepted_households, commissioning_date, commissioning_pass
from subsidies.models import (
    BatchLine,
    DisbursementBatch,
    Instalment,
    InstalmentItem,
    InstalmentStatus,
    LineState,
    SubsidyEvent,
    SubsidyStandard,
)
from subsidies.money import ZERO
from tasks.models import Household, Programme, Town

_SUMS = {
    "committed": Sum("amount", filter=~Q(status=InstalmentStatus.CANCELLED)),
    "batched": Sum("amount", filter=Q(status=InstalmentStatus.BATCHED)),
    "paid": Sum("amount", filter=Q(status=InstalmentStatus.PAID)),
    "count": Count("id", filter=~Q(status=InstalmentStatus.CANCELLED)),
}


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    for k in ("committed", "batched", "paid"):
        row[k] = row.get(k) or ZERO
    return row


def season_label(season: str) -> str:
    return season or _("一次性补贴")


def amounts_by_season(programme: Programme, town_id: int | None = None) -> list[dict[str, Any]]:
    """[{season, label, committed, batched, paid, count}] ordered: one-off first, then seasons.

    For the PDF reports: Decimal amounts to the fen; optionally one town only.
    """
    qs = Instalment.objects.filter(household__programme=programme)
    if town_id is not None:
        qs = qs.filter(household__town_id=town_id)
    rows = qs.values("season").annotate(**_SUMS).order_by("season")
    return [_clean({**r, "label": season_label(r["season"])}) for r in rows]


def amounts_by_town_and_season(
    programme: Programme, town_id: int | None = None
) -> list[dict[str, Any]]:
    """[{town_id, season, label, committed, batched, paid, count}] per town and season in one
    grouped query (every town, or one): the dashboard's money charts read it through
    `tasks.progress.sections`, registered in `SubsidiesConfig.ready`."""
    qs = Instalment.objects.filter(household__programme=programme)
    if town_id is not None:
        qs = qs.filter(household__town_id=town_id)
    rows = (
        qs.values("household__town_id", "season")
        .annotate(**_SUMS)
        .order_by("season", "household__town_id")
    )
    return [
        _clean({"town_id": r.pop("household__town_id"), **r, "label": season_label(r["season"])})
        for r in rows
    ]


def totals(programme: Programme, user: Any) -> dict[str, Decimal]:
    """Committed / batched / paid of the programme within the user's towns."""
    agg = (
        Instalment.objects.for_user(user).filter(household__programme=programme).aggregate(**_SUMS)
    )
    return _clean(agg)


def overview(programme: Programme, user: Any) -> dict[str, Any]:
    """Rows per town × season of committed, batched, paid; plus the season list and totals."""
    qs = (
        Instalment.objects.for_user(user)
        .filter(household__programme=programme)
        .values("household__town__name", "household__town__order", "season")
        .annotate(**_SUMS)
        .order_by("household__town__order", "season")
    )
    towns: dict[str, dict[str, Any]] = {}
    seasons: list[str] = []
    for r in qs:
        if r["season"] not in seasons:
            seasons.append(r["season"])
        town = towns.setdefault(
            r["household__town__name"],
            {"town": r["household__town__name"], "cells": {}, "total": _clean({})},
        )
        town["cells"][r["season"]] = _clean(dict(r))
        for k in ("committed", "batched", "paid"):
            town["total"][k] += r[k] or ZERO
    seasons.sort()
    rows = []
    for town in towns.values():
        town["cell_list"] = [town["cells"].get(s, _clean({})) for s in seasons]
        rows.append(town)
    grand = _clean({})
    season_totals = [_clean({}) for _s in seasons]
    for town in rows:
        for k in ("committed", "batched", "paid"):
            grand[k] += town["total"][k]
            for total, c in zip(season_totals, town["cell_list"], strict=True):
                total[k] += c[k] or ZERO
    return {
        "seasons": [{"key": s, "label": season_label(s)} for s in seasons],
        "rows": rows,
        "total": grand,
        "season_totals": season_totals,
    }


def household_schedule(household: Household) -> list[Instalment]:
    """The household's instalments; each with `estimated` (priced on the standard's assumed
    units, no reading yet) and its `estimate_decision` if finance decided to pay it."""
    from subsidies.metering.queries import estimated

    return list(
        household.instalments.select_related("standard", "estimate_decision__decided_by")
        .annotate(estimated=ExpressionWrapper(estimated(), output_field=BooleanField()))
        .prefetch_related("lines__batch")
        .order_by("due_date", "item", "season")
    )


def batches_for_list() -> Any:
    return DisbursementBatch.objects.select_related(
        "programme", "prepared_by", "approved_by"
    ).prefetch_related("towns")


def batch_lines(batch: DisbursementBatch) -> Any:
    return (
        BatchLine.objects.filter(batch=batch)
        .select_related("instalment__household__town", "instalment__household__village")
        .order_by(
            "instalment__household__town__order", "instalment__household__village__name", "id"
        )
    )


def batch_trail(batch: DisbursementBatch) -> Any:
    return SubsidyEvent.objects.filter(batch=batch).select_related("by").order_by("at", "id")


def duplicated_payments() -> list[dict[str, Any]]:
    """Instalments with more than one paid line: must always be empty."""
    return list(
        BatchLine.objects.filter(state=LineState.PAID)
        .values("instalment_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


def paid_to_not_accepted() -> list[int]:
    """Paid instalments of households that were never/no longer accepted at payment time.

    A household may be revoked AFTER being paid (the money is then recovered offline), so
    this is a diagnostic, not an invariant; tests use it right after paying.
    """
    paid = Instalment.objects.filter(status=InstalmentStatus.PAID)
    accepted = Q(pk__in=[])
    for programme in Programme.objects.filter(pk__in=paid.values("household__programme")):
        accepted |= Q(household__in=accepted_households(programme))
    return list(paid.exclude(accepted).values_list("id", flat=True))


def acceptance_date(household: Household) -> datetime.date:
    """The day the household was accepted (the date on its commissioning pass), on which its
    one-off subsidies fall due; not the day the record was typed in."""
    record = commissioning_pass(household)
    return record.date if record else timezone.localdate()


def accepted_with_dates(accepted: Any) -> Any:
    """The accepted households as (id, accepted_on) rows: the bulk schedule's due dates."""
    return (
        accepted.order_by().annotate(accepted_on=commissioning_date()).values("id", "accepted_on")
    )


def current_standards(programme: Programme) -> dict[str, SubsidyStandard]:
    """The latest version per route."""
    out: dict[str, SubsidyStandard] = {}
    for s in SubsidyStandard.objects.filter(programme=programme).order_by("route", "-version"):
        out.setdefault(s.route, s)
    return out


def pool(*, programme: Programme, season: str, towns: list[Town] | None = None) -> Any:
    """Instalments a batch for `season` would take: due, unpaid, not in a batch, accepted.

    A season's batch takes that season's operating instalments and every due one-off item.
    A household with a usage flag of the season still open or withheld is held out
    (`subsidies.metering.queries.held_households`) until someone decides it; an operating
    instalment still priced on the standard's estimate waits for its reading (待抄表,
    `subsidies.metering.queries.awaiting_reading`) unless finance decided to pay the estimate.
    """
    from subsidies.metering.queries import awaiting_reading

    return _due(programme=programme, season=season, towns=towns).filter(~awaiting_reading())


def _due(*, programme: Programme, season: str, towns: list[Town] | None) -> Any:
    """The pool before the estimates are held out."""
    from subsidies.metering.queries import held_households

    qs = (
        Instalment.objects.exclude(household__in=held_households(season))
        .filter(
            household__in=accepted_households(programme),
            status=InstalmentStatus.SCHEDULED,
            due_date__lte=timezone.localdate(),
        )
        .filter(Q(item=InstalmentItem.OPERATING, season=season) | ~Q(item=InstalmentItem.OPERATING))
    )
    if towns is not None:
        qs = qs.filter(household__town__in=towns)
    return qs


def held_out(*, programme: Programme, season: str, towns: list[Town]) -> dict[str, Any]:
    """What the preview says a batch leaves out: operating instalments waiting for their
    reading (households, count, total at the estimate), and households with a usage flag."""
    from subsidies.metering.queries import awaiting_reading, held_households

    waiting = (
        _due(programme=programme, season=season, towns=towns)
        .filter(awaiting_reading())
        .order_by()
        .aggregate(
            households=Count("household", distinct=True), count=Count("id"), total=Sum("amount")
        )
    )
    flagged = (
        accepted_households(programme)
        .filter(pk__in=held_households(season), town__in=towns)
        .order_by()
        .count()
    )
    return {
        "awaiting_households": waiting["households"],
        "awaiting_count": waiting["count"],
        "awaiting_total": waiting["total"] or Decimal("0.00"),
        "flagged_households": flagged,
    }


def paid_in_season(season: str) -> Any:
    """Households paid in a heating season, as rows (household_id, town_id, paid): a household
    is paid in `season` when a line of that season's batch was paid to it; `paid` is the sum of
    its paid lines in those batches (the operating subsidy and any one-off item they carried).
    The one rule of "paid in a season" that the verification visits read."""
    return (
        BatchLine.objects.filter(state=LineState.PAID, batch__season=season)
        .values(
            household_id=F("instalment__household_id"), town_id=F("instalment__household__town_id")
        )
        .annotate(paid=Sum("amount"))
        .order_by("household_id")
    )


def pool_summary(*, programme: Programme, season: str, towns: list[Town]) -> dict[str, Any]:
    """What a batch prepared now would take, for the preview: per item and overall, the
    households, the lines and the total (one grouped query and one count)."""
    qs = pool(programme=programme, season=season, towns=towns).order_by()
    labels = dict(InstalmentItem.choices)
    rows = [
        {
            "item": r["item"],
            "label": labels.get(r["item"], r["item"]),
            "households": r["households"],
            "count": r["count"],
            "total": r["total"] or Decimal("0.00"),
        }
        for r in qs.values("item")
        .annotate(
            households=Count("household", distinct=True), count=Count("id"), total=Sum("amount")
        )
        .order_by("item")
    ]
    order = list(labels)
    rows.sort(key=lambda r: order.index(r["item"]) if r["item"] in order else len(order))
    return {
        "rows": rows,
        "households": qs.values("household").distinct().count(),
        "count": sum(r["count"] for r in rows),
        "total": sum((r["total"] for r in rows), Decimal("0.00")),
        "held": held_out(programme=programme, season=season, towns=towns),
    }
