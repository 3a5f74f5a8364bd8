"""Adding, renaming and merging villages: who may, what is refused, what history is kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tasks.models import Household, Route, TownPlanLine, Village
from tasks.villages.services import VillageReason, village_add, village_merge, village_rename
from tests.factories import HouseholdFactory
from tests.tasks.villages.conftest import plan_line


def test_an_official_adds_a_village_to_their_town_with_history(official_a, town_a):
    village = village_add(by=official_a, town=town_a, name=" 新村 ")
    assert (village.town, village.name, village.code) == (town_a, "新村", "")
    record = village.history.get()
    assert record.history_type == "+"
    assert record.history_user == official_a
    assert record.history_change_reason == VillageReason.ADD == "添加村（居）"


def test_a_village_code_must_be_12_digits_under_the_towns_code(official_a, town_a):
    town_a.division_code = "370302115"
    town_a.save()
    with pytest.raises(ValidationError) as exc:
        village_add(by=official_a, town=town_a, name="甲村", code="37030211520")
    assert "12位数字" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        village_add(by=official_a, town=town_a, name="甲村", code="370302102201")
    assert "370302115" in str(exc.value)
    assert village_add(by=official_a, town=town_a, name="甲村", code="370302115299").code


def test_a_code_is_unique_but_many_villages_have_none(official_a, town_a, east):
    village_add(by=official_a, town=town_a, name="甲村")
    village_add(by=official_a, town=town_a, name="乙村")
    with pytest.raises(ValidationError):
        village_add(by=official_a, town=town_a, name="丙村", code=east.code)
    assert not Village.objects.filter(name="丙村").exists()


def test_no_one_adds_to_another_town_and_the_district_office_does_not_add(
    official_b, district, town_a
):
    for user in (official_b, district):
        with pytest.raises(PermissionDenied):
            village_add(by=user, town=town_a, name="新村")
    assert not Village.objects.filter(name="新村").exists()


def test_rename_keeps_the_old_name_in_history_and_the_code(official_a, east):
    village_rename(by=official_a, village=east, name="东庄村")
    east.refresh_from_db()
    assert (east.name, east.code) == ("东庄村", "370302115201")
    latest, first = east.history.order_by("-history_id")[:2]
    assert (first.name, latest.name) == ("东村", "东庄村")
    assert latest.history_change_reason == VillageReason.RENAME
    assert latest.history_user == official_a


def test_rename_refuses_a_name_the_town_already_has_or_the_same_name(official_a, east, west):
    with pytest.raises(ValidationError):
        village_rename(by=official_a, village=east, name="西村")
    with pytest.raises(ValidationError):
        village_rename(by=official_a, village=east, name="东村")
    east.refresh_from_db()
    assert east.name == "东村"


def test_rename_by_another_towns_official_is_refused(official_b, east):
    with pytest.raises(PermissionDenied):
        village_rename(by=official_b, village=east, name="东庄村")


def test_merge_moves_households_and_plan_lines_with_history(official_a, east_with_work, west):
    east, households, line = east_with_work
    target = village_merge(by=official_a, source=east, target=west)
    assert target == west
    assert not Village.objects.filter(pk=east.pk).exists()
    assert set(Household.objects.filter(village=west)) == set(households)
    line.refresh_from_db()
    assert line.village == west
    for h in households:
        record = h.history.latest("history_id")
        assert (record.village_id, record.history_user) == (west.pk, official_a)
        assert record.history_change_reason == VillageReason.MERGE
    assert line.history.latest("history_id").history_change_reason == VillageReason.MERGE
    gone = Village.history.filter(id=east.pk).latest("history_id")
    assert (gone.history_type, gone.history_user) == ("-", official_a)
    # The published code goes to the surviving village, which had none.
    west.refresh_from_db()
    assert west.code == "370302115201"


def test_merge_refuses_two_plan_lines_for_one_village_and_route(
    official_a, east_with_work, west, approved_plan_a
):
    east, _households, _line = east_with_work
    plan_line(approved_plan_a, west, route=Route.GAS)
    with pytest.raises(ValidationError) as exc:
        village_merge(by=official_a, source=east, target=west)
    assert "西村" in str(exc.value)
    assert Village.objects.filter(pk=east.pk).exists()
    assert Household.objects.filter(village=east).count() == 2
    assert TownPlanLine.objects.filter(village=east).count() == 1


def test_merge_of_a_line_of_another_route_is_allowed(
    official_a, east_with_work, west, approved_plan_a
):
    east, _households, _line = east_with_work
    plan_line(approved_plan_a, west, route=Route.ELECTRIC)
    village_merge(by=official_a, source=east, target=west)
    assert TownPlanLine.objects.filter(village=west).count() == 2


def test_merge_across_towns_or_into_itself_is_refused(
    official_a, administrator, east, west, other_town_village
):
    with pytest.raises(ValidationError):
        village_merge(by=administrator, source=east, target=other_town_village)
    with pytest.raises(ValidationError):
        village_merge(by=official_a, source=east, target=east)
    assert Village.objects.filter(pk__in=[east.pk, west.pk, other_town_village.pk]).count() == 3


def test_merge_by_another_towns_official_is_refused(official_b, programme, town_a, east, west):
    HouseholdFactory(programme=programme, town=town_a, village=east)
    with pytest.raises(PermissionDenied):
        village_merge(by=official_b, source=east, target=west)
    assert Household.objects.filter(village=east).count() == 1
