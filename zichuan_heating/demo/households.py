"""The demo's households: generated per town on its real villages, imported through the
ledger importer by each town's official, and a few withdrawn (each replaced by another)."""

import datetime
import math
import tempfile
from dataclasses import dataclass

from bench.generate import GIVEN, SURNAMES, unique_id_numbers
from tasks.ledger.importing import Scope, import_ledger
from tasks.ledger.importing.columns import HEADER
from tasks.ledger.services import household_withdraw
from tasks.models import Contractor, EquipmentModel, Household, Quota, Town, Village
from tasks.models.ledger import CONTRACTOR_KIND_FOR_ROUTE, Route
from tasks.villages.services import village_add
from zichuan_heating.demo.common import Cast, Progress

#: Route weights (central, gas, electric) by kind of town: the zone and the street are on
#: the heating network, the towns mostly on gas and electricity.
ROUTE_MIX = {"zone": (5, 4, 1), "street": (6, 3, 1), "town": (1, 11, 8)}
ROUTES = (Route.CENTRAL, Route.GAS, Route.ELECTRIC)
#: The development zone has no village committees of its own in the fixture.
ZONE_VILLAGES = ("开发区第一社区", "开发区第二社区", "开发区第三社区", "开发区第四社区")
#: Households per village the demo aims at (villages are taken in code order).
PER_VILLAGE = 40
WITHDRAWAL_REASONS = (
    "房屋列入棚户区改造拆迁范围，不再实施改造。",
    "户主去世，房屋长期无人居住。",
    "户主自愿放弃改造，继续使用原有取暖方式。",
    "全家迁往城区居住，房屋出租，经村委会确认退出。",
    "与他户重复登记，经核查为同一户。",
    "房屋为危房，经鉴定不具备改造条件。",
)
#: Towns where a signed household withdrew and another took its place.
WITHDRAWING_TOWNS = ("hongshan", "kunlun", "zhaili", "luocun", "longquan", "xihe")


@dataclass
class DemoHousehold:
    town: Town
    village: Village
    head_name: str
    id_number: str
    phone: str
    address: str
    size: int
    route: str
    equipment: EquipmentModel
    contractor: Contractor
    signed_on: datetime.date
    completed_on: datetime.date | None
    notes: str = ""

    @property
    def started_on(self) -> datetime.date | None:
        """Work starts a third of the way from signing to completion (no draw of its own, so
        the seed's households stay the same); none for a household that never builds."""
        if self.completed_on is None:
            return None
        return self.signed_on + datetime.timedelta(
            days=(self.completed_on - self.signed_on).days // 3
        )


def zone_villages(cast: Cast) -> None:
    """The development zone's officials add their communities (no published codes)."""
    zone = next(t for t in cast.towns if t.kind == "zone")
    have = set(Village.objects.filter(town=zone).values_list("name", flat=True))
    for name in ZONE_VILLAGES:
        if name not in have:
            village_add(by=cast.officials[zone.code], town=zone, name=name)


def _villages(town: Town, quota: int) -> list[Village]:
    wanted = max(1, min(12, math.ceil(quota / PER_VILLAGE)))
    return list(Village.objects.filter(town=town).order_by("code", "name")[:wanted])


def _name(cast: Cast) -> str:
    rng = cast.rng
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    )


def generate(cast: Cast) -> list[DemoHousehold]:
    """Every town's quota, plus one withdrawn household in each withdrawing town."""
    rng = cast.rng
    quotas = dict(
        Quota.objects.filter(programme=cast.programme).values_list("town_id", "households")
    )
    equipment = {r: list(EquipmentModel.objects.filter(route=r, is_active=True)) for r in ROUTES}
    contractors = {
        r: list(Contractor.objects.filter(kind=CONTRACTOR_KIND_FOR_ROUTE[r])) for r in ROUTES
    }
    total = sum(quotas.values()) + len(WITHDRAWING_TOWNS)
    ids = iter(unique_id_numbers(total, seed=cast.rng.randrange(10**6)))
    rows = []
    for town in cast.towns:
        count = quotas[town.pk] + (1 if town.code in WITHDRAWING_TOWNS else 0)
        villages = _villages(town, quotas[town.pk])
        for i in range(count):
            village = villages[i % len(villages)]
            route = rng.choices(ROUTES, ROUTE_MIX[town.kind])[0]
            signed = datetime.date(2021, 6, 16) + datetime.timedelta(days=rng.randrange(25))
            completed = signed + datetime.timedelta(days=20 + rng.randrange(30))
            rows.append(
                DemoHousehold(
                    town=town,
                    village=village,
                    head_name=_name(cast),
                    id_number=next(ids),
                    phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                    address=f"{town.name}{village.name}{rng.randrange(1, 300)}号",
                    size=rng.randrange(1, 7),
                    route=route,
                    equipment=rng.choice(equipment[route]),
                    contractor=rng.choice(contractors[route]),
                    signed_on=signed,
                    completed_on=min(completed, cast.programme.construction_due),
                )
            )
    return rows


def mark_withdrawals(cast: Cast, rows: list[DemoHousehold]) -> list[DemoHousehold]:
    """In each withdrawing town, one signed household withdraws before building starts; the
    last household of the same village is its replacement (替补)."""
    leaving = []
    for code in WITHDRAWING_TOWNS:
        mine = [r for r in rows if r.town.code == code]
        gone = mine[cast.rng.randrange(len(mine) // 2)]
        gone.completed_on = None
        substitute = next(r for r in reversed(mine) if r.village == gone.village and r is not gone)
        substitute.notes = f"替补退出户{gone.head_name}。"
        substitute.signed_on = max(substitute.signed_on, datetime.date(2021, 7, 5))
        leaving.append(gone)
    return leaving


def _write_file(path: str, rows: list[DemoHousehold]) -> None:
    """The town's ledger in the import template's columns (the file a town would upload)."""
    import xlsxwriter

    keys = ["town", "village", "head_name", "id_number", "phone", "address", "size", "route",
            "brand", "model", "contractor", "signed_on", "started_on", "completed_on",
            "notes"]  # fmt: skip
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("台账")
    for col, key in enumerate(keys):
        sheet.write_string(0, col, HEADER[key])
    labels = dict(Route.choices)
    for n, r in enumerate(rows, start=1):
        values = [r.town.name, r.village.name, r.head_name, r.id_number, r.phone, r.address,
                  r.size, str(labels[r.route]), r.equipment.brand, r.equipment.model,
                  r.contractor.name, r.signed_on.isoformat(),
                  r.started_on.isoformat() if r.started_on else "",
                  r.completed_on.isoformat() if r.completed_on else "", r.notes]  # fmt: skip
        for col, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(n, col, value)
            else:
                sheet.write_string(n, col, value)
    workbook.close()


def households_import(cast: Cast, rows: list[DemoHousehold], progress: Progress) -> None:
    """Each town's official imports the town's ledger; then the withdrawals."""
    leaving = [r for r in rows if r.completed_on is None]
    for town in cast.towns:
        official = cast.officials[town.code]
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            _write_file(tmp.name, [r for r in rows if r.town == town])
            outcome = import_ledger(
                tmp.name, by=official, programme=cast.programme, scope=Scope.for_user(official)
            )
        if not outcome.committed:
            raise RuntimeError(f"demo ledger of {town.code} refused: {outcome.errors[:3]}")
    progress(f"  ledger: {len(rows)} households imported by the towns' officials")
    for i, gone in enumerate(leaving):
        household = Household.objects.get(programme=cast.programme, id_number=gone.id_number)
        reason = WITHDRAWAL_REASONS[i % len(WITHDRAWAL_REASONS)]
        household_withdraw(household=household, by=cast.officials[gone.town.code], reason=reason)
    progress(f"  ledger: {len(leaving)} households withdrawn, each replaced in its village")
