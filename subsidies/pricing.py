"""What a household is owed under a standard: the items, their amounts and due dates.

Pure arithmetic over money.py; the services (schedules, re-pricing) and the standards page
call it, nothing here touches the database.
"""

import datetime
from decimal import Decimal

from subsidies.models import InstalmentItem, OperatingKind, SubsidyStandard
from subsidies.money import ZERO, rate_with_cap, rate_with_floor_and_cap, to_fen
from tasks.models import Household, Programme

#: The operating instalment of season "Y-Y+1" falls due when that heating season opens.
SEASON_OPENS = (11, 15)

PlannedItem = tuple[str, str, Decimal, datetime.date]


def operating_amount(standard: SubsidyStandard, usage: Decimal | None = None) -> Decimal:
    """One season's operating subsidy.

    Fixed: the fixed amount (readings change nothing). Per unit: min(rate × usage, cap),
    raised to the floor when one is set; `usage` is the season's metered usage, or, before
    a reading arrives, the standard's approved units per season.
    """
    if standard.operating_kind == OperatingKind.FIXED:
        return to_fen(standard.operating_amount)
    units = standard.operating_units_per_season if usage is None else usage
    return rate_with_floor_and_cap(
        units, standard.operating_unit_rate, standard.operating_cap, standard.operating_floor
    )


def equipment_amount(standard: SubsidyStandard, price: Decimal | None) -> Decimal:
    if not price or not standard.equipment_rate:
        return ZERO
    return rate_with_cap(price, standard.equipment_rate, standard.equipment_cap)


def season_due(season: str) -> datetime.date:
    return datetime.date(int(season[:4]), *SEASON_OPENS)


def seasons_of(programme: Programme, standard: SubsidyStandard) -> list[str]:
    first = programme.first_heating_season
    return [f"{y}-{y + 1}" for y in range(first, first + standard.seasons)]


def planned_items(
    programme: Programme,
    standard: SubsidyStandard,
    price: Decimal | None,
    accepted_on: datetime.date,
) -> list[PlannedItem]:
    """(item, season, amount, due date) a household of this standard is owed; zero items skipped.

    The one-off items (no season) fall due on the acceptance date `accepted_on`; each operating
    instalment when its heating season opens.
    """
    rows = []
    construction = to_fen(standard.construction_amount)
    if construction > 0:
        rows.append((InstalmentItem.CONSTRUCTION, "", construction, accepted_on))
    equipment = equipment_amount(standard, price)
    if equipment > 0:
        rows.append((InstalmentItem.EQUIPMENT, "", equipment, accepted_on))
    operating = operating_amount(standard)
    if operating > 0:
        for season in seasons_of(programme, standard):
            rows.append((InstalmentItem.OPERATING, season, operating, season_due(season)))
    return rows


def household_price(household: Household) -> Decimal | None:
    # The household's equipment is priced at its catalogue tender price (限价).
    return household.equipment.price_cap if household.equipment_id else None
