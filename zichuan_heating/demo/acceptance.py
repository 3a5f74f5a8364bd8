"""The demo's inspections: completion then commissioning, one team per village and route,
through `acceptance_record_batch`; a few fail, are rectified and pass on re-inspection."""

import contextlib
import datetime
from collections import defaultdict
from collections.abc import Iterator

from acceptance.checklists import checklist_for
from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
from acceptance.services import (
    BatchEntry,
    InspectorData,
    acceptance_record,
    acceptance_record_batch,
    rectification_record,
)
from tasks.ledger.signals import household_accepted
from tasks.models import Household, HouseholdStatus, Town
from zichuan_heating.demo.common import Cast, Progress

#: One household in this many fails its first inspection of a kind.
FAIL_EVERY = {AcceptanceKind.COMPLETION: 53, AcceptanceKind.COMMISSIONING: 71}
DEFECTS = {
    "gas_alarm": "燃气报警器未安装到位。",
    "gas_flue": "烟道出口距窗户过近。",
    "elec_circuit": "入户线路容量不足，需更换进户线。",
    "central_radiators": "散热器末端不热，需排气调试。",
}
FIXES = {
    "gas_alarm": "已补装燃气报警器并试验合格。",
    "gas_flue": "烟道已加长并移位，符合安全距离。",
    "elec_circuit": "供电所已更换进户线，容量满足要求。",
    "central_radiators": "已排气并调整阀门，各组散热器供热正常。",
}
STARTS = {
    AcceptanceKind.COMPLETION: datetime.date(2021, 9, 1),
    AcceptanceKind.COMMISSIONING: datetime.date(2021, 9, 14),
}
FAMILY = "王李张刘陈杨赵孙"


def _office(town: Town) -> str:
    return {"zone": "开发区管委会", "street": f"{town.name}办事处"}.get(
        town.kind, f"{town.name}人民政府"
    )


def _team(household: Household, n: int) -> list[InspectorData]:
    return [
        InspectorData(f"{FAMILY[n % 8]}建军", _office(household.town)),
        InspectorData(f"{FAMILY[(n + 3) % 8]}村委", f"{household.village.name}村（居）民委员会"),
        InspectorData(f"{FAMILY[(n + 5) % 8]}工", household.contractor.name, is_contractor=True),
    ]


def _failing_item(route: str) -> str:
    return next(i.code for i in checklist_for(route) if i.code in DEFECTS)


def _entry(household: Household, fails: bool, date: datetime.date) -> BatchEntry:
    items = {i.code: True for i in checklist_for(household.route)}
    if not fails:
        return BatchEntry(household, items, AcceptanceResult.PASS)
    bad = _failing_item(household.route)
    items[bad] = False
    deadline = date + datetime.timedelta(days=7)
    return BatchEntry(household, items, AcceptanceResult.FAIL, DEFECTS[bad], deadline)


def _groups(cast: Cast) -> list[list[Household]]:
    groups: dict[tuple, list[Household]] = defaultdict(list)
    built = (
        Household.objects.filter(programme=cast.programme, status=HouseholdStatus.BUILT)
        .select_related("town", "village", "contractor")
        .order_by("town__order", "village_id", "route", "id")
    )
    for h in built:
        groups[(h.town_id, h.village_id, h.route, h.contractor_id)].append(h)
    return list(groups.values())


def _inspect(cast: Cast, kind: str) -> list[Acceptance]:
    """One batch per village and route; returns the failed records."""
    failed, n = [], 0
    for i, group in enumerate(_groups(cast)):
        date = STARTS[kind] + datetime.timedelta(days=i % 9)
        entries = []
        for h in group:
            n += 1
            entries.append(_entry(h, n % FAIL_EVERY[kind] == 0, date))
        records = acceptance_record_batch(
            kind=kind,
            date=date,
            inspectors=_team(group[0], i),
            entries=entries,
            by=cast.officials[group[0].town.code],
        )
        failed += [r for r in records if r.result == AcceptanceResult.FAIL]
    return failed


def _rectify_and_reinspect(cast: Cast, failed: list[Acceptance]) -> None:
    for n, record in enumerate(failed):
        household = record.household
        official = cast.officials[household.town.code]
        fixed = record.date + datetime.timedelta(days=4)
        bad = _failing_item(household.route)
        rectification_record(acceptance=record, description=FIXES[bad], date=fixed, by=official)
        acceptance_record(
            household=household,
            kind=record.kind,
            date=fixed + datetime.timedelta(days=1),
            inspectors=_team(household, n),
            checklist={i.code: True for i in checklist_for(household.route)},
            result=AcceptanceResult.PASS,
            by=official,
        )


@contextlib.contextmanager
def schedules_in_bulk(cast: Cast) -> Iterator[None]:
    """Schedule the accepted households once, in bulk, instead of one by one on acceptance.

    The subsidies receiver would call `schedule_generate` for each of 2198 households; the
    bulk path `schedules_generate` writes the same instalments (the same `planned_items`)
    in a few statements. The receiver is reconnected whatever happens.
    """
    from subsidies import receivers
    from subsidies.services import schedules_generate

    uid = "subsidies_schedule_on_accept"
    household_accepted.disconnect(dispatch_uid=uid)
    try:
        yield
    finally:
        household_accepted.connect(receivers.on_household_accepted, dispatch_uid=uid)
    schedules_generate(programme=cast.programme, by=cast.finance)


def inspections_record(cast: Cast, progress: Progress) -> None:
    with schedules_in_bulk(cast):
        for kind in (AcceptanceKind.COMPLETION, AcceptanceKind.COMMISSIONING):
            failed = _inspect(cast, kind)
            _rectify_and_reinspect(cast, failed)
            progress(f"  acceptance: {kind} recorded, {len(failed)} failed, rectified, passed")
    progress("  subsidies: schedules of the accepted households generated in bulk")
