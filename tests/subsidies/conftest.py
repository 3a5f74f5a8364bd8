"""Subsidy fixtures: the example 2021 standards and accepted households in two towns."""

from decimal import Decimal

import pytest

from subsidies.services import standards_load
from tests.factories import EquipmentModelFactory
from tests.subsidies.helpers import accepted_household


@pytest.fixture
def standards(programme):
    standards_load()
    from subsidies.models import SubsidyStandard

    return {s.route: s for s in SubsidyStandard.objects.filter(programme=programme)}


@pytest.fixture
def boiler(db):
    return EquipmentModelFactory(brand="示例", model="L1PB26", price_cap=Decimal("4200.00"))


@pytest.fixture
def make_accepted(programme, standards, boiler):
    def make(town, **kw):
        kw.setdefault("equipment", boiler)
        return accepted_household(programme=programme, town=town, **kw)

    return make
