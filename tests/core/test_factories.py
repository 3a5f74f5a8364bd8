"""The shared factories make valid rows."""

from tests.factories import HouseholdFactory


def test_household_factory_makes_a_valid_household(programme, town_a):
    household = HouseholdFactory(programme=programme, town=town_a)
    household.full_clean()
    assert household.village.town == town_a
    assert household.id_tail == household.id_number[-6:]
    assert household.history.count() == 1
