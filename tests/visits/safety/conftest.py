"""Fixtures for safety: a village and a household of each town, an inspection with findings,
and real small files (from the acceptance tests) for attachments."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import HouseholdFactory, VillageFactory
from visits.safety.services import FindingData, inspection_record


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def village_a(town_a):
    return VillageFactory(town=town_a, name="东村")


@pytest.fixture
def village_b(town_b):
    return VillageFactory(town=town_b, name="南村")


@pytest.fixture
def household_a(programme, town_a, village_a):
    return HouseholdFactory(programme=programme, town=town_a, village=village_a, head_name="王建国")


@pytest.fixture
def household_b(programme, town_b, village_b):
    return HouseholdFactory(programme=programme, town=town_b, village=village_b, head_name="李春梅")


def record(town, village, by, *, on=None, findings=(), household=None):
    on = on or timezone.localdate()
    return inspection_record(
        town=town,
        village=village,
        household=household,
        inspected_on=on,
        inspectors="王建军（镇安监办）、李村委",
        notes="入户检查燃气管道、报警器与烟道。",
        findings=[FindingData(*f) for f in findings],
        by=by,
    )


@pytest.fixture
def inspection_a(town_a, village_a, household_a, official_a, today):
    return record(
        town_a,
        village_a,
        official_a,
        household=household_a,
        on=today - datetime.timedelta(days=5),
        findings=[
            ("燃气报警器未通电。", "major", today + datetime.timedelta(days=2)),
            ("烟道出口距窗户过近。", "general", today - datetime.timedelta(days=1)),
        ],
    )


@pytest.fixture
def inspection_b(town_b, village_b, official_b, today):
    return record(
        town_b,
        village_b,
        official_b,
        findings=[("村内燃气调压箱无警示标志。", "general", today + datetime.timedelta(days=7))],
    )


@pytest.fixture
def official_a2(town_a):
    """A second official of 洪山镇: verifies what official_a rectified (four eyes)."""
    from tests.factories import UserFactory
    from zichuan_heating.roles import Role

    return UserFactory(username="official_a2", town=town_a, role=Role.TOWN_OFFICIAL)
