"""The plan editor: one blank line, "添加一行" as needed (script or not), and "start from the
ledger" (one line per village and route with its household count)."""

import re

import pytest
from django.urls import reverse

from tasks.models import HouseholdStatus, Route, TownPlan
from tests.access import battery
from tests.factories import ContractorFactory, HouseholdFactory, VillageFactory


def edit_url(town) -> str:
    return reverse("plans:plan_edit", args=[town.code])


@pytest.fixture
def ledger_a(programme, town_a):
    east = VillageFactory(town=town_a, name="东村")
    west = VillageFactory(town=town_a, name="西村")
    for village, route, n in (
        (east, Route.GAS, 3),
        (east, Route.ELECTRIC, 2),
        (west, Route.GAS, 4),
    ):
        for _ in range(n):
            HouseholdFactory(programme=programme, town=town_a, village=village, route=route)
    HouseholdFactory(
        programme=programme,
        town=town_a,
        village=west,
        route=Route.GAS,
        status=HouseholdStatus.WITHDRAWN,
        withdrawal_reason="外出",
    )
    return east, west


def test_new_plan_offers_one_blank_line_and_an_add_button(client_for, official_a, town_a):
    html = client_for(official_a).get(edit_url(town_a)).content.decode()
    assert 'name="lines-TOTAL_FORMS" value="1"' in html
    assert 'id="add-line"' in html and 'id="line-empty"' in html and "__prefix__" in html
    assert "js/plan_lines.js" in html and "<script>" not in html


def test_add_line_without_script_keeps_what_was_typed_and_saves_nothing(
    client_for, official_a, town_a, ledger_a
):
    east, _west = ledger_a
    data = {
        "summary": "两村气代煤",
        "emergency_arrangements": "",
        "quota_shortfall_reason": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-village": east.pk,
        "lines-0-route": Route.GAS,
        "lines-0-households": "3",
        "add_line": "1",
    }
    response = client_for(official_a).post(edit_url(town_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="lines-TOTAL_FORMS" value="2"' in html
    assert 'name="lines-1-village"' in html and "两村气代煤" in html
    assert not TownPlan.objects.exists()


def test_start_from_the_ledger_gives_one_line_per_village_and_route(
    client_for, official_a, town_a, ledger_a
):
    east, west = ledger_a
    html = client_for(official_a).get(edit_url(town_a) + "?from=ledger").content.decode()
    lines = re.findall(
        r'name="lines-(\d+)-village"[^>]*>.*?<option value="(\d+)" selected.*?'
        r'name="lines-\1-route".*?<option value="(\w+)" selected.*?'
        r'name="lines-\1-households" value="(\d+)"',
        html,
        re.S,
    )
    assert sorted((int(v), r, int(n)) for _i, v, r, n in lines) == sorted(
        [(east.pk, "electric", 2), (east.pk, "gas", 3), (west.pk, "gas", 4)]
    )
    assert 'name="lines-TOTAL_FORMS" value="4"' in html  # three lines and one blank


def test_start_from_the_ledger_keeps_the_plans_dates_and_contractor(
    client_for, official_a, programme, town_a, ledger_a
):
    from tasks.plans import services as ps

    east, _west = ledger_a
    company = ContractorFactory(name="淄川燃气公司")
    ps.plan_create(
        programme=programme,
        town=town_a,
        by=official_a,
        summary="",
        emergency_arrangements="",
        quota_shortfall_reason="",
        lines=[
            {
                "village": east,
                "route": Route.GAS,
                "households": 1,
                "planned_start": "2021-06-20",
                "planned_finish": "2021-08-25",
                "contractor": company,
                "contractor_safety_officer": "张安全",
                "contractor_safety_phone": "13905331111",
                "village_safety_officer": "李村",
                "village_safety_phone": "13905332222",
            }
        ],
    )
    html = client_for(official_a).get(edit_url(town_a) + "?from=ledger").content.decode()
    assert "张安全" in html and 'value="2021-06-20"' in html
    assert f'<option value="{company.pk}" selected' in html


def test_editor_access_battery_with_the_ledger_start(cast, town_a, stranger):
    battery(
        edit_url(town_a) + "?from=ledger",
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], stranger],
    )
