"""Real data for the security tests: households in two towns, an approved plan, an acceptance
and an approved disbursement batch with its lines."""

from dataclasses import dataclass
from typing import Any

from subsidies import services as subsidies
from subsidies.services import standards_load
from tests.factories import ApprovedPlanFactory, EquipmentModelFactory, HouseholdFactory
from tests.subsidies.helpers import accepted_household


@dataclass
class World:
    household_a: Any
    household_b: Any
    accepted_a: Any
    accepted_b: Any
    batch: Any


def build_world(*, programme, town_a, town_b, district, finance, finance2) -> World:
    ApprovedPlanFactory(programme=programme, town=town_a, approved_by=district)
    standards_load()
    boiler = EquipmentModelFactory(brand="示例", model="L1PB26")
    household_a = HouseholdFactory(programme=programme, town=town_a, head_name="王建国")
    household_b = HouseholdFactory(programme=programme, town=town_b, head_name="李春梅")
    accepted_a = accepted_household(programme=programme, town=town_a, equipment=boiler)
    accepted_b = accepted_household(
        programme=programme, town=town_b, route="central", equipment=None
    )
    subsidies.schedules_generate(programme=programme)
    batch = subsidies.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a, town_b], by=finance
    )
    subsidies.batch_approve(batch=batch, by=finance2)
    _visits(accepted_a, district)
    return World(household_a, household_b, accepted_a, accepted_b, batch)


def _visits(household: Any, district: Any) -> None:
    """A visit to make and two cases (one sensitive) in town A, for the walkers' ids."""
    from visits.models import SampleMode, Visit, VisitSample
    from visits.services import case_open

    sample = VisitSample.objects.create(
        season="2021-2022", mode=SampleMode.SAMPLE, seed=7, population=1, size=1, drawn_by=district
    )
    Visit.objects.create(
        sample=sample, household=household, town=household.town, paid_amount="100.00"
    )
    for category in ("no_heat", "false_claim"):
        case_open(
            town=household.town,
            category=category,
            source="complaint",
            title="不热",
            description="室内 12 度。",
            household=household,
            by=district,
        )
