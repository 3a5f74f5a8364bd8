"""A village accepted in one pass: everyone built ticked, every item passed, the result "pass"
by default; exceptions marked per household; the contractor chosen from a list of the route's
kind, its people's organisation taken from it."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from acceptance.models import Acceptance, Inspector
from tasks.models import ContractorKind
from tests.acceptance.conftest import built_household
from tests.access import battery
from tests.factories import ContractorFactory

GAS_ITEMS = ("gas_pipe_pressure", "gas_leak", "gas_alarm", "gas_flue", "gas_boiler_runs")


@pytest.fixture
def village_of_five(programme, town_a, approved_plan_a, gas_contractor):
    return [
        built_household(programme, town_a, gas_contractor, head_name=f"户{i}") for i in range(5)
    ]


def batch_url(village) -> str:
    return reverse("acceptance:batch") + f"?village={village.pk}&kind=completion"


def defaults_as_posted(page: str) -> dict:
    """What the browser posts for the page as shown: every default left as it is."""
    data = {}
    for name, value in re.findall(
        r'<input type="(?:hidden|date)" name="([^"]+)" value="([^"]*)"', page
    ):
        data[name] = value
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', page):
        data[name] = "on"
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_the_page_starts_with_everyone_in_and_everything_passed(
    client_for, official_a, village_of_five
):
    page = client_for(official_a).get(batch_url(village_of_five[0].village)).content.decode()
    data = defaults_as_posted(page)
    for i in range(5):
        assert data[f"rows-{i}-include"] == "on"
        assert data[f"rows-{i}-result"] == "pass"
        assert all(data[f"rows-{i}-item_{code}"] == "1" for code in GAS_ITEMS)
    assert data["date"] == timezone.localdate().isoformat()
    assert 'id="batch-defaults"' in page


def test_contractor_list_is_of_the_routes_kind_and_preselected(
    client_for, official_a, village_of_five, gas_contractor
):
    ContractorFactory(name="淄川热力公司", kind=ContractorKind.HEATING)
    other_gas = ContractorFactory(name="博山燃气公司", kind=ContractorKind.GAS)
    page = client_for(official_a).get(batch_url(village_of_five[0].village)).content.decode()
    select = re.search(r'<select name="contractor"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "淄川区燃气有限公司" in select and other_gas.name in select
    assert "淄川热力公司" not in select
    assert defaults_as_posted(page)["contractor"] == str(gas_contractor.pk)


def test_one_pass_with_names_typed_once_and_one_exception(
    client_for, official_a, village_of_five, gas_contractor
):
    client = client_for(official_a)
    url = batch_url(village_of_five[0].village)
    data = defaults_as_posted(client.get(url).content.decode())
    data.update(
        {"team-0-name": "张村官", "team-0-organisation": "东村村委会", "team-1-name": "赵师傅"}
    )
    pks = [int(data[f"rows-{i}-household_id"]) for i in range(5)]
    # The exception: one household fails its alarm, with a note and a deadline.
    data.update(
        {
            "rows-2-result": "fail",
            "rows-2-item_gas_alarm": "0",
            "rows-2-defects": "未装报警器",
            "rows-2-rectification_deadline": "2099-01-01",
        }
    )
    del data["rows-4-include"]  # and one left out this time
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    results = dict(Acceptance.objects.values_list("household_id", "result"))
    assert results == {pks[0]: "pass", pks[1]: "pass", pks[2]: "fail", pks[3]: "pass"}
    organisations = set(
        Inspector.objects.filter(is_contractor=True).values_list("organisation", flat=True)
    )
    assert organisations == {"淄川区燃气有限公司"}


def test_a_contractor_other_than_the_households_is_refused_and_nothing_saved(
    client_for, official_a, village_of_five
):
    other_gas = ContractorFactory(name="博山燃气公司", kind=ContractorKind.GAS)
    client = client_for(official_a)
    url = batch_url(village_of_five[0].village)
    data = defaults_as_posted(client.get(url).content.decode())
    data.update(
        {
            "team-0-name": "张村官",
            "team-0-organisation": "东村村委会",
            "team-1-name": "赵师傅",
            "contractor": str(other_gas.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "施工单位验收人员须来自该户的实施单位" in response.content.decode()
    assert not Acceptance.objects.exists()


def test_batch_page_access_battery(cast, village_of_five):
    battery(
        batch_url(village_of_five[0].village),
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
    )
