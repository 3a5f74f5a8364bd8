"""Shared steps of the visits tests: a drawn sample and a visit recorded with findings."""

from decimal import Decimal

from visits import services
from visits.models import Visit

GOOD = {
    "heating_works": True,
    "alarm_present": True,
    "alarm_working": True,
    "stove_gone": True,
    "subsidy_received": True,
    "satisfaction": 5,
    "amount_confirmed": Decimal("1200.00"),
    "indoor_temperature": Decimal("19.5"),
}


def draw(district, season="2025-2026", seed=7, **kw):
    return services.sample_draw(
        season=season,
        by=district,
        confidence=Decimal("0.95"),
        margin=Decimal("0.05"),
        seed=seed,
        **kw,
    )


def findings(**changes):
    return services.Findings(**{**GOOD, **changes})


def first_visit(sample, town) -> Visit:
    return sample.visits.filter(town=town).order_by("household_id").first()
