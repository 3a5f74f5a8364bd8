"""Village fixtures: two villages of town_a with a household and a plan line each, one of town_b."""

import datetime

import pytest

from tasks.models import Route, TownPlanLine
from tests.factories import HouseholdFactory, VillageFactory


@pytest.fixture
def east(town_a):
    return VillageFactory(town=town_a, name="东村", code="370302115201")


@pytest.fixture
def west(town_a):
    return VillageFactory(town=town_a, name="西村")


@pytest.fixture
def other_town_village(town_b):
    return VillageFactory(town=town_b, name="北村")


def plan_line(plan, village, route=Route.GAS, households=5) -> TownPlanLine:
    return TownPlanLine.objects.create(
        plan=plan,
        village=village,
        route=route,
        households=households,
        planned_start=datetime.date(2021, 6, 20),
        planned_finish=datetime.date(2021, 8, 20),
    )


@pytest.fixture
def east_with_work(programme, town_a, east, approved_plan_a):
    """东村 with two households and a gas plan line of the approved plan."""
    households = [
        HouseholdFactory(programme=programme, town=town_a, village=east) for _ in range(2)
    ]
    return east, households, plan_line(approved_plan_a, east)
