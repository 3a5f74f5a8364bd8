"""The demo's meters and readings: every accepted gas and electric household gets its meter
from the two (example) utilities, and each past heating season's readings are imported before
that season is paid; one near-zero season is flagged and released by its town, and one
reading corrected after payment leaves a clawback (追缴) waiting for finance.

Its own random stream (seeded per season), so the rest of the demo draws the same numbers.
"""

import datetime
import random

from subsidies.metering.importing import validate
from subsidies.metering.models import Meter, MeterKind, MeterReading, ReadingSource, UsageFlag
from subsidies.metering.models import Utility as UtilityModel
from subsidies.metering.services import flag_decide, readings_commit
from tasks.models import Household
from zichuan_heating.demo.common import SEED, Cast, Progress

UTILITIES = {
    MeterKind.GAS: "淄川区管道燃气公司（示例）",
    MeterKind.ELECTRIC: "国网淄川区供电公司（示例）",
}
#: Usage of a normal season, per kind (m³ of gas, kWh of electricity).
USAGE = {MeterKind.GAS: (600, 1300), MeterKind.ELECTRIC: (2500, 5500)}
FLAGGED_SEASON = "2025-2026"
CORRECTED_SEASON = "2024-2025"


def _households(cast: Cast) -> list[tuple[int, str, int]]:
    return list(
        Household.objects.filter(programme=cast.programme, route__in=list(USAGE))
        .filter(status="accepted")
        .order_by("id")
        .values_list("id", "route", "town_id")
    )


def meters_register(cast: Cast, progress: Progress) -> None:
    """One meter per accepted gas or electric household, numbered as the utilities do."""
    utilities = {
        kind: UtilityModel.objects.get_or_create(name=name, defaults={"kind": kind})[0]
        for kind, name in UTILITIES.items()
    }
    meters = []
    for n, (hid, route, _town) in enumerate(_households(cast), start=1):
        kind = MeterKind(route)
        number = f"RQ{n:07d}" if kind == MeterKind.GAS else f"3703{n:08d}"
        meters.append(
            Meter(
                household_id=hid,
                programme=cast.programme,
                kind=kind,
                number=number,
                utility=utilities[kind],
                installed_on=datetime.date(2021, 9, 20),
            )
        )
    Meter.objects.bulk_create(meters, batch_size=2000)
    progress(f"  metering: {len(meters)} meters registered")


def _records(cast: Cast, season: str, low: set[int] = frozenset()) -> list[dict]:
    """One row per meter: start where last season ended; usage from the season's stream."""
    rng = random.Random(f"{SEED}-{season}")
    previous = dict(
        MeterReading.objects.filter(meter__programme=cast.programme).values_list("meter_id", "end")
    )  # the latest season's end per meter (seasons arrive in order)
    year = int(season[:4]) + 1
    rows = []
    meters = Meter.objects.filter(programme=cast.programme).order_by("id")
    for n, (meter_id, number, kind, hid) in enumerate(
        meters.values_list("id", "number", "kind", "household_id"), start=2
    ):
        start = previous.get(meter_id, 0)
        usage = rng.randint(*USAGE[kind]) if hid not in low else rng.randint(0, 12)
        day = datetime.date(year, 3, rng.randint(16, 25))
        rows.append(
            {"row": n, "number": number, "start": start, "end": start + usage, "read_on": day}
        )
    return rows


def season_readings(cast: Cast, season: str, progress: Progress) -> None:
    """The season's readings as a utility's file would bring them, before it is paid."""
    low = set()
    if season == FLAGGED_SEASON:
        low = {_households(cast)[3][0]}
    plan = validate(_records(cast, season, low), programme=cast.programme, season=season)
    assert plan.ok, plan.errors[:3]
    outcome = readings_commit(
        plan=plan, by=cast.finance, source=ReadingSource.FILE, file_name=f"抄表{season}.xlsx"
    )
    for flag in UsageFlag.objects.filter(season=season, status="open").select_related(
        "household__town"
    ):
        flag_decide(
            flag=flag,
            decision="release",
            reason="入户核实：全家冬季外出务工，房屋空置，非返煤。",
            by=cast.officials[flag.household.town.code],
        )
    progress(
        f"  metering: {season} readings ({outcome.created} meters, "
        f"{outcome.record.flags} flagged and released)"
    )


def correction_after_payment(cast: Cast, season: str, progress: Progress) -> None:
    """The gas company corrects one household's paid season downwards: a clawback opens."""
    if season != CORRECTED_SEASON:
        return
    reading = (
        MeterReading.objects.filter(season=season, meter__kind=MeterKind.GAS)
        .select_related("meter")
        .order_by("meter_id")
        .first()
    )
    row = {
        "row": 2,
        "number": reading.meter.number,
        "start": reading.start,
        "end": reading.start + 420,
        "read_on": reading.read_on + datetime.timedelta(days=30),
    }
    plan = validate([row], programme=cast.programme, season=season)
    assert plan.ok, plan.errors
    outcome = readings_commit(
        plan=plan, by=cast.finance, source=ReadingSource.FILE, file_name=f"抄表{season}更正.xlsx"
    )
    progress(
        f"  metering: {season} corrected after payment ({outcome.record.adjustments} clawback)"
    )
