"""The awaiting-acceptance list at any size: its rows read by the villages a page spans, its
length from the household tally, instead of sorting every built household of the programme
by pinyin to show fifty (about 460 ms a page at a million households)."""

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
from acceptance.queries import (
    AcceptanceState,
    built_in_scope,
    households_awaiting_acceptance,
    state_filter,
    with_acceptance_state,
)
from tasks.collation import Pinyin
from tasks.models import Household, HouseholdStatus, HouseholdTally, Programme, Town, Village


class AwaitingRows:
    """The built households awaiting acceptance in the list's order, as a sequence Django's
    Paginator pages without reading them all: its length is the household tally's count of
    built households in scope (exact: kept by triggers), and a page reads only the households
    of the villages it spans.

    `slots` are the villages in the list's order (town order, then village name by pinyin);
    villages that order cannot tell apart (same town order, same name) share one slot, so
    their households interleave by head name exactly as the whole list would have them."""

    def __init__(self, qs: QuerySet, slots: list[tuple[list[int], set[int], int]]):
        self.qs = qs
        self.slots = slots

    def count(self) -> int:
        return sum(n for _villages, _towns, n in self.slots)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, part: slice) -> list[Household]:
        start, stop = part.start or 0, part.stop
        before, first, villages, towns = 0, None, [], set()
        for slot_villages, slot_towns, n in self.slots:
            if before + n > start and before < stop:
                first = before if first is None else first
                villages += slot_villages
                towns |= slot_towns
            before += n
            if before >= stop:
                break
        if first is None:
            return []
        rows = self.qs.filter(town_id__in=towns, village_id__in=villages)
        if len(villages) == 1:
            # Within one village the list's order is the head's name, then the id: the
            # order of the built households' pinyin index (tasks 0019), read without a sort.
            rows = rows.order_by(Pinyin("head_name"), "id")
        return list(rows[start - first : stop - first])


def _awaiting_slots(
    user: Any,
    programme: Programme,
    town_id: int | None,
    village_id: int | None,
    less: dict[int, int],
) -> list[tuple[list[int], set[int], int]]:
    """The villages with built households in scope, in the list's order, each with its count
    of built households (the tally) less `less` (by village id); villages left with none are
    left out."""
    tally = HouseholdTally.objects.filter(
        programme_id=programme.pk,
        status=HouseholdStatus.BUILT,
        n__gt=0,
        town_id__in=Town.objects.for_user(user).values("pk"),
    )
    if town_id:
        tally = tally.filter(town_id=town_id)
    if village_id:
        tally = tally.filter(village_id=village_id)
    counts = dict(tally.values_list("village_id").annotate(total=Sum("n")).order_by())
    for pk, n in less.items():
        counts[pk] = counts.get(pk, 0) - n
    villages = (
        Village.objects.filter(pk__in=tally.values("village_id"))
        .order_by("town__order", Pinyin("name"), "id")
        .values_list("pk", "town_id", "town__order", "name")
    )
    slots: list[tuple[list[int], set[int], int]] = []
    last = None
    for pk, town, order, name in villages:
        if counts[pk] <= 0:
            continue
        if (order, name) == last:
            slot_villages, slot_towns, n = slots.pop()
            slots.append(([*slot_villages, pk], slot_towns | {town}, n + counts[pk]))
        else:
            slots.append(([pk], {town}, counts[pk]))
        last = (order, name)
    return slots


def awaiting_acceptance_rows(
    user: Any,
    programme: Programme,
    *,
    state: str = "",
    town_id: int | None = None,
    village_id: int | None = None,
) -> QuerySet | AwaitingRows:
    """What the awaiting list pages: `households_awaiting_acceptance`, as rows read by the
    villages a page spans for the two large sets, every built household (no state asked for)
    and those awaiting their completion inspection (hundreds of thousands in a million-row
    programme); else the filtered queryset itself (the states with a record, found through
    their records).

    Awaiting completion, a village's count is its built households (the tally) less those in
    another state, found through their records (`_in_other_states`)."""
    qs = households_awaiting_acceptance(
        user, programme, state=state, town_id=town_id, village_id=village_id
    )
    less: dict[int, int] = {}
    if state == AcceptanceState.AWAITING_COMPLETION:
        less = _in_other_states(user, programme, town_id, village_id)
    elif state in AcceptanceState.OPEN:
        return qs
    return AwaitingRows(qs, _awaiting_slots(user, programme, town_id, village_id, less))


def _in_other_states(
    user: Any, programme: Programme, town_id: int | None, village_id: int | None
) -> dict[int, int]:
    """{village id: built households in another state than awaiting completion}.

    Only a household with a valid failed record (its latest may have failed) or a valid
    completion pass can be in another state (`state_of`), so only those are looked at, each
    through the state filter itself; commissioning passes, most of the records, are not read."""
    marked = Acceptance.objects.valid().filter(
        Q(result=AcceptanceResult.FAIL)
        | Q(kind=AcceptanceKind.COMPLETION, result=AcceptanceResult.PASS)
    )
    with_records = with_acceptance_state(
        built_in_scope(user, programme, town_id=town_id, village_id=village_id).filter(
            pk__in=marked.values("household")
        )
    )
    rows = (
        with_records.values_list("village_id")
        .annotate(
            n=Count("id"),
            awaiting=Count("id", filter=state_filter(AcceptanceState.AWAITING_COMPLETION)),
        )
        .order_by()
    )
    return {village: n - awaiting for village, n, awaiting in rows}
