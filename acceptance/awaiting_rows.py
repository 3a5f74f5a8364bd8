"""The awaiting-acceptance list at any size: its rows read by the villages a page spans, its
length from the household tally (or, for a tab, the progress tally), instead of sorting every
built household of the programme by pinyin to show fifty (about 460 ms a page at a million
households)."""

from typing import Any

from django.db.models import QuerySet, Sum

from acceptance.models import ProgressTally
from acceptance.queries import AcceptanceState, households_awaiting_acceptance, progress_of
from tasks.collation import Pinyin
from tasks.models import Household, HouseholdStatus, HouseholdTally, Programme, Town, Village


class AwaitingRows:
    """The built households awaiting acceptance in the list's order, as a sequence Django's
    Paginator pages without reading them all: its length is the tally's count of built
    households in scope (exact: kept by triggers), and a page reads only the households of
    the villages it spans.

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
    state: str,
) -> list[tuple[list[int], set[int], int]]:
    """The villages with built households in scope (in `state`, if one is asked for), in the
    list's order, each with its count: the household tally's built households, or the progress
    tally's built households at that progress (both exact, kept by triggers)."""
    if state in AcceptanceState.OPEN:
        tally = ProgressTally.objects.filter(progress=progress_of(state))
    else:
        tally = HouseholdTally.objects.filter(status=HouseholdStatus.BUILT)
    tally = tally.filter(
        programme_id=programme.pk, n__gt=0, town_id__in=Town.objects.for_user(user).values("pk")
    )
    if town_id:
        tally = tally.filter(town_id=town_id)
    if village_id:
        tally = tally.filter(village_id=village_id)
    counts = dict(tally.values_list("village_id").annotate(total=Sum("n")).order_by())
    villages = (
        Village.objects.filter(pk__in=counts)
        .order_by("town__order", Pinyin("name"), "id")
        .values_list("pk", "town_id", "town__order", "name")
    )
    slots: list[tuple[list[int], set[int], int]] = []
    last = None
    for pk, town, order, name in villages:
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
) -> AwaitingRows:
    """What the awaiting list pages: `households_awaiting_acceptance` (every built household,
    or one open state), as rows read by the villages a page spans."""
    qs = households_awaiting_acceptance(
        user, programme, state=state, town_id=town_id, village_id=village_id
    )
    return AwaitingRows(qs, _awaiting_slots(user, programme, town_id, village_id, state))
