"""Readings price the season's operating instalment, in bulk.

For each household with readings for the season, the amount due is the standard's
min(rate × usage, cap) (with its floor), plus whatever earlier adjustments were offset into
that instalment. Then, by where the instalment stands:

- unpaid (scheduled, or in a draft or approved batch): its amount changes, the old one is
  kept in `previous_amount` so the difference shows, lines of draft or approved batches
  follow and those batches lose their approval;
- in an exported batch (with the bank): left alone; the next run after it is paid or
  failed picks it up;
- paid: NEVER edited. When the amount due differs from what was paid plus the adjustments
  already opened, an `Adjustment` (追缴 clawback or 补发 top-up) is opened for the rest.

Fixed-amount standards are not touched. Locks: the instalments (id order), then their lines,
then the batches: the one order, households skipped (nothing here pays anyone).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from subsidies.metering.models import (
    KIND_BY_ROUTE,
    Adjustment,
    AdjustmentKind,
    AdjustmentStatus,
    MeterReading,
)
from subsidies.models import (
    BatchLine,
    BatchState,
    Instalment,
    InstalmentItem,
    InstalmentStatus,
    LineState,
    OperatingKind,
    SubsidyStandard,
)
from subsidies.money import ZERO
from subsidies.pricing import operating_amount
from tasks.models import Programme
from zichuan_heating.temp_tables import copied_rows

_OPEN_BATCH = (BatchState.DRAFT, BatchState.APPROVED)


@dataclass
class RepriceResult:
    repriced: int = 0
    difference: Decimal = ZERO
    with_bank: int = 0
    adjustments: list[Adjustment] = field(default_factory=list)
    batch_ids: set[int] = field(default_factory=set)
    usage: dict[int, Decimal] = field(default_factory=dict)


def season_usage(
    programme: Programme, season: str, household_ids: set[int] | None = None
) -> dict[int, Decimal]:
    """Each household's metered usage of the season: its meters of the route's kind, summed
    (a meter replaced mid-season gives two readings)."""
    qs = MeterReading.objects.filter(meter__programme=programme, season=season)
    wanted = household_ids
    if household_ids is not None and len(household_ids) <= 5000:
        qs = qs.filter(meter__household_id__in=household_ids)
        wanted = None  # a long IN list costs more than reading the season and filtering
    usage: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for hid, kind, route, amount in qs.values_list(
        "meter__household_id", "meter__kind", "meter__household__route", "usage"
    ).iterator(chunk_size=10_000):
        if KIND_BY_ROUTE.get(route) == kind and (wanted is None or hid in wanted):
            usage[hid] += amount
    return dict(usage)


def _offsets(instalment_ids: list[int]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = Adjustment.objects.filter(status=AdjustmentStatus.OFFSET).values_list(
        "offset_instalment_id", "kind", "amount"
    )  # offsets are few: read them all rather than send a long IN list
    wanted = set(instalment_ids)
    rows = [r for r in rows if r[0] in wanted]
    for iid, kind, amount in rows:
        out[iid] += -amount if kind == AdjustmentKind.CLAWBACK else amount
    return out


def _adjusted(programme: Programme, season: str) -> dict[int, Decimal]:
    """What adjustments already opened add to each paid instalment (clawbacks negative)."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        Adjustment.objects.filter(
            instalment__household__programme=programme, instalment__season=season
        )
        .values("instalment_id", "kind")
        .annotate(total=Sum("amount"))
    )
    for r in rows:
        signed = -r["total"] if r["kind"] == AdjustmentKind.CLAWBACK else r["total"]
        out[r["instalment_id"]] += signed
    return out


def _candidates(programme: Programme, season: str, household_ids: list[int]) -> list[tuple]:
    """The season's per-unit operating instalments of these households, locked (id order).

    For many households the whole season is read and filtered here: a long IN list costs
    more (to send and to plan) than the rows it would leave out.
    """
    per_unit = SubsidyStandard.objects.filter(
        programme=programme, operating_kind=OperatingKind.PER_UNIT
    )
    qs = (
        Instalment.objects.select_for_update(of=("self",))
        .filter(
            household__programme=programme,
            item=InstalmentItem.OPERATING,
            season=season,
            standard__in=per_unit,
        )
        .exclude(status=InstalmentStatus.CANCELLED)
        .order_by("id")
    )
    fields = ("id", "household_id", "amount", "status", "standard_id")
    if len(household_ids) <= 5000:
        return list(qs.filter(household_id__in=household_ids).values_list(*fields))
    wanted = set(household_ids)
    return [r for r in qs.values_list(*fields).iterator(chunk_size=20_000) if r[1] in wanted]


def _batch_states(instalment_ids: list[int]) -> dict[int, tuple[str, int]]:
    out = {}
    for start in range(0, len(instalment_ids), 10_000):
        chunk = instalment_ids[start : start + 10_000]
        out.update(
            {
                iid: (state, bid)
                for iid, state, bid in BatchLine.objects.filter(
                    instalment_id__in=chunk, state=LineState.INCLUDED
                ).values_list("instalment_id", "batch__state", "batch_id")
            }
        )
    return out


def reprice_season(
    *,
    programme: Programme,
    season: str,
    household_ids: set[int] | None = None,
    note: str = "",
    reading_import: Any = None,
    by: Any = None,
) -> RepriceResult:
    """Price the season's operating instalments on the readings (see the module docstring).

    Runs inside the caller's transaction; the adjustments it opens are saved (in bulk).
    """
    usage = season_usage(programme, season, household_ids)
    result = RepriceResult(usage=usage)
    rows = _candidates(programme, season, sorted(usage))
    if not rows:
        return result
    standards = {s.pk: s for s in SubsidyStandard.objects.filter(programme=programme)}
    ids = [r[0] for r in rows]
    offsets = _offsets(ids)
    batched = _batch_states([r[0] for r in rows if r[3] == InstalmentStatus.BATCHED])
    paid_ids = [r[0] for r in rows if r[3] == InstalmentStatus.PAID]
    adjusted = _adjusted(programme, season) if paid_ids else {}
    cache: dict[tuple[int, Decimal], Decimal] = {}
    changes: list[tuple[int, Decimal, Decimal]] = []
    for iid, hid, amount, status, standard_id in rows:
        key = (standard_id, usage[hid])
        if key not in cache:
            cache[key] = operating_amount(standards[standard_id], usage[hid])
        due = cache[key] + offsets.get(iid, ZERO)
        if status == InstalmentStatus.PAID:
            rest = due - amount - adjusted.get(iid, ZERO)
            if rest:
                adjustment = _adjustment(iid, hid, amount, due, rest, note)
                adjustment.reading_import = reading_import
                result.adjustments.append(adjustment)
            continue
        if status == InstalmentStatus.BATCHED:
            state, batch_id = batched.get(iid, ("", 0))
            if state not in _OPEN_BATCH:
                result.with_bank += 1
                continue
            if due != amount:
                result.batch_ids.add(batch_id)
        if due != amount:
            changes.append((iid, max(due, ZERO), amount))
            result.difference += max(due, ZERO) - amount
    _write(changes)
    result.repriced = len(changes)
    if result.adjustments:
        bulk_create_with_history(result.adjustments, Adjustment, batch_size=5000, default_user=by)
    return result


def _adjustment(iid: int, hid: int, paid: Decimal, due: Decimal, rest: Decimal, note: str):
    return Adjustment(
        household_id=hid,
        instalment_id=iid,
        kind=AdjustmentKind.TOP_UP if rest > 0 else AdjustmentKind.CLAWBACK,
        amount=abs(rest),
        paid_amount=paid,
        corrected_amount=due,
        note=note[:300],
    )


def _write(changes: list[tuple[int, Decimal, Decimal]]) -> None:
    """amount := new, previous_amount := old, for the instalments and their open lines."""
    if not changes:
        return
    now = timezone.now()
    if connection.vendor == "postgresql":
        _write_postgresql(changes, now)
        return
    objs = [
        Instalment(id=i, amount=new, previous_amount=old, updated_at=now) for i, new, old in changes
    ]
    Instalment.objects.bulk_update(objs, ["amount", "previous_amount", "updated_at"], 2000)
    new_by_id = {i: new for i, new, _old in changes}
    lines = list(
        BatchLine.objects.filter(
            instalment_id__in=list(new_by_id),
            state=LineState.INCLUDED,
            batch__state__in=_OPEN_BATCH,
        ).select_for_update(of=("self",))
    )
    for line in lines:
        line.amount = new_by_id[line.instalment_id]
    BatchLine.objects.bulk_update(lines, ["amount"], 2000)


def _write_postgresql(changes: list[tuple[int, Decimal, Decimal]], now: Any) -> None:
    inst = Instalment._meta.db_table
    lines = BatchLine._meta.db_table
    batches = BatchLine._meta.get_field("batch").related_model._meta.db_table
    columns = "id bigint PRIMARY KEY, amount numeric(12, 2), previous numeric(12, 2)"
    with connection.cursor() as cursor, copied_rows(cursor, "reading_price", columns, changes):
        cursor.execute(
            f"UPDATE {inst} i SET amount = p.amount, previous_amount = p.previous, "
            "updated_at = %s FROM reading_price p WHERE i.id = p.id",
            [now],
        )
        cursor.execute(
            f"UPDATE {lines} l SET amount = p.amount, updated_at = %s FROM reading_price p, "
            f"{batches} b WHERE l.instalment_id = p.id AND l.state = %s AND b.id = l.batch_id "
            "AND b.state IN (%s, %s)",
            [now, LineState.INCLUDED, *_OPEN_BATCH],
        )


def metered_amounts(standard: SubsidyStandard, instalments: list[Instalment]) -> dict[int, Decimal]:
    """For a new standard version: the operating instalments among `instalments` that have
    readings, priced on them (plus what was offset into them); {instalment id: amount}."""
    if standard.operating_kind != OperatingKind.PER_UNIT:
        return {}
    operating = [i for i in instalments if i.item == InstalmentItem.OPERATING]
    out: dict[int, Decimal] = {}
    offsets = _offsets([i.pk for i in operating])
    by_season: dict[str, list[Instalment]] = defaultdict(list)
    for inst in operating:
        by_season[inst.season].append(inst)
    for season, group in by_season.items():
        usage = season_usage(standard.programme, season, {i.household_id for i in group})
        for inst in group:
            if inst.household_id in usage:
                due = operating_amount(standard, usage[inst.household_id])
                out[inst.pk] = max(due + offsets.get(inst.pk, ZERO), ZERO)
    return out
