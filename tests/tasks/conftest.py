"""Ledger fixtures: a village per town, catalogue rows, a household in town_a; the import
tests' fixtures come from tests/tasks/ledger_files.py."""

import pytest

from tasks.models import ContractorKind, Route
from tests.factories import (
    ContractorFactory,
    EquipmentModelFactory,
    HouseholdFactory,
    VillageFactory,
)
from tests.tasks.ledger.ledger_files import ledger_setup


@pytest.fixture
def village_a(town_a):
    return VillageFactory(town=town_a, name="东村")


@pytest.fixture
def village_b(town_b):
    return VillageFactory(town=town_b, name="西村")


@pytest.fixture
def gas_boiler(db):
    return EquipmentModelFactory(brand="示例品牌", model="L1PB20", route=Route.GAS)


@pytest.fixture
def heat_pump(db):
    return EquipmentModelFactory(
        brand="示例品牌", model="KFXRS-12", kind="空气源热泵", route=Route.ELECTRIC
    )


@pytest.fixture
def gas_company(db):
    return ContractorFactory(name="淄川燃气公司", kind=ContractorKind.GAS)


@pytest.fixture
def heating_company(db):
    return ContractorFactory(name="淄川热力公司", kind=ContractorKind.HEATING)


@pytest.fixture
def household_a(programme, town_a, village_a, gas_company, gas_boiler):
    # Ready to sign: a contractor and the equipment its route needs (签约的前提).
    return HouseholdFactory(
        programme=programme,
        town=town_a,
        village=village_a,
        head_name="王建国",
        contractor=gas_company,
        equipment=gas_boiler,
    )


@pytest.fixture
def household_b(programme, town_b, village_b, gas_company, gas_boiler):
    return HouseholdFactory(
        programme=programme,
        town=town_b,
        village=village_b,
        head_name="李秀英",
        contractor=gas_company,
        equipment=gas_boiler,
    )


__all__ = ["ledger_setup"]
