"""Bulk work on the ledger: every action, partial refusals with reasons, town scoping, the
confirmation, the bound, and the access battery."""

import datetime

import pytest
from django.urls import reverse

from tasks.ledger import bulk
from tasks.models import Household, HouseholdStatus, Route
from tests.access import battery
from tests.factories import ContractorFactory, HouseholdFactory, UserFactory

D = datetime.date
URL = "/households/bulk/"


def url() -> str:
    return reverse("ledger:household_bulk")


@pytest.fixture
def ready_a(programme, town_a, village_a, gas_company, gas_boiler):
    """Three gas households of town_a with a contractor and a boiler: ready to sign."""
    return [
        HouseholdFactory(
            programme=programme,
            town=town_a,
            village=village_a,
            head_name=f"张{i}",
            contractor=gas_company,
            equipment=gas_boiler,
        )
        for i in range(3)
    ]


def post(client, action, *, ids=(), all_matching=False, filter_query="", apply=None):
    data = {"action": action, "filter_query": filter_query}
    if ids:
        data["ids"] = [str(i) for i in ids]
    if all_matching:
        data["all_matching"] = "on"
    if apply is not None:
        data.update({"apply": "1", **apply})
    return client.post(url(), data)


def statuses(households):
    return [Household.objects.get(pk=h.pk).status for h in households]


def test_url_is_stable():
    assert url() == URL


def test_access_battery(cast, household_a):
    battery(
        url(),
        method="post",
        data={"action": "contract", "ids": [str(household_a.pk)]},
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"], UserFactory(username="no-role")],
        wrong_method="get",
    )


def test_confirmation_page_shows_count_sample_and_an_unticked_box(client_for, official_a, ready_a):
    response = post(client_for(official_a), "contract", ids=[h.pk for h in ready_a])
    assert response.status_code == 200
    html = response.content.decode()
    assert "将对 3 户执行“签约”" in html
    assert all(h.head_name in html for h in ready_a)
    assert 'name="confirm"' in html and "checked" not in html
    assert "每次最多处理 5000 户" in html
    assert statuses(ready_a) == ["surveyed"] * 3


def test_without_the_box_nothing_changes(client_for, official_a, ready_a):
    response = post(
        client_for(official_a), "contract", ids=[h.pk for h in ready_a], apply={"day": "2021-06-01"}
    )
    assert response.status_code == 200
    assert "请勾选确认后再提交" in response.content.decode()
    assert statuses(ready_a) == ["surveyed"] * 3


def apply(client, action, households, **values):
    return post(client, action, ids=[h.pk for h in households], apply={"confirm": "on", **values})


def test_contract_start_complete_in_bulk(client_for, official_a, ready_a, approved_plan_a):
    client = client_for(official_a)
    response = apply(client, "contract", ready_a, day="2021-06-01")
    assert "已办理 3 户" in response.content.decode()
    assert statuses(ready_a) == ["contracted"] * 3
    apply(client, "start", ready_a, day="2021-06-10")
    assert statuses(ready_a) == ["under_construction"] * 3
    apply(client, "complete", ready_a, day="2021-07-10")
    assert statuses(ready_a) == ["built"] * 3
    h = Household.objects.get(pk=ready_a[0].pk)
    assert (h.contract_signed_on, h.construction_started_on, h.construction_completed_on) == (
        D(2021, 6, 1),
        D(2021, 6, 10),
        D(2021, 7, 10),
    )
    # History as the services write it: one row per step, with its reason.
    reasons = list(h.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons[-3:] == ["签约", "开工", "完工"]
    assert reasons.count("签约") == 1


def test_partial_refusal_lists_each_household_and_why(
    client_for, official_a, ready_a, programme, town_a, village_a
):
    no_contractor = HouseholdFactory(
        programme=programme, town=town_a, village=village_a, head_name="缺单位"
    )
    already = ready_a[0]
    Household.objects.filter(pk=already.pk).update(
        status=HouseholdStatus.CONTRACTED, contract_signed_on=D(2021, 5, 1)
    )
    response = apply(
        client_for(official_a), "contract", [*ready_a, no_contractor], day="2021-06-01"
    )
    html = response.content.decode()
    assert "已办理 2 户" in html and "2 户未办理" in html
    assert "请先在台账信息中选择实施单位，再签约。" in html
    assert "当前状态为“已签约”，不能签约。" in html
    assert f'data-id="{no_contractor.pk}"' in html and "缺单位" in html
    assert statuses([already, *ready_a[1:], no_contractor]) == [
        "contracted",
        "contracted",
        "contracted",
        "surveyed",
    ]
    assert Household.objects.get(pk=already.pk).contract_signed_on == D(2021, 5, 1)


def test_start_is_refused_without_an_approved_plan(client_for, official_a, ready_a):
    client = client_for(official_a)
    apply(client, "contract", ready_a, day="2021-06-01")
    html = apply(client, "start", ready_a, day="2021-06-10").content.decode()
    assert "3 户未办理" in html and "实施方案尚未经区清洁取暖办核准" in html
    assert statuses(ready_a) == ["contracted"] * 3


def test_town_b_ids_posted_by_town_a_are_not_touched(client_for, official_a, ready_a, household_b):
    response = apply(client_for(official_a), "contract", [*ready_a, household_b], day="2021-06-01")
    assert "已办理 3 户（共选择 3 户）" in response.content.decode()
    assert statuses([household_b]) == ["surveyed"]
    assert household_b.history.count() == 1


def test_only_town_b_ids_is_a_404(client_for, official_a, household_b):
    assert apply(client_for(official_a), "withdraw", [household_b], reason="x").status_code == 404
    assert statuses([household_b]) == ["surveyed"]


def test_all_matching_reapplies_the_filter_within_the_town(
    client_for, official_a, ready_a, household_b, programme, town_a, village_a
):
    electric = HouseholdFactory(
        programme=programme, town=town_a, village=village_a, route=Route.ELECTRIC
    )
    response = post(
        client_for(official_a),
        "withdraw",
        all_matching=True,
        filter_query=f"route=gas&town={household_b.town_id}&page=2",
        apply={"confirm": "on", "reason": "外出务工"},
    )
    assert "已办理 3 户" in response.content.decode()
    assert statuses(ready_a) == ["withdrawn"] * 3
    assert statuses([household_b, electric]) == ["surveyed", "surveyed"]
    assert Household.objects.get(pk=ready_a[0].pk).withdrawal_reason == "外出务工"


def test_assign_contractor_and_equipment(
    client_for, official_a, programme, town_a, village_a, gas_company, gas_boiler, heat_pump
):
    households = [
        HouseholdFactory(programme=programme, town=town_a, village=village_a) for _ in range(2)
    ]
    client = client_for(official_a)
    apply(client, "contractor", households, contractor=str(gas_company.pk))
    html = apply(client, "equipment", households, equipment=str(heat_pump.pk)).content.decode()
    assert "2 户未办理" in html and "所选设备不适用于该改造方式" in html
    apply(client, "equipment", households, equipment=str(gas_boiler.pk))
    for h in households:
        h.refresh_from_db()
        assert (h.contractor, h.equipment) == (gas_company, gas_boiler)
        assert h.history.first().history_change_reason == "修改台账信息"


def test_assign_refuses_a_contractor_of_another_route(client_for, official_a, ready_a):
    heating = ContractorFactory(name="淄川热力公司", kind="heating")
    html = apply(client_for(official_a), "contractor", ready_a, contractor=str(heating.pk))
    assert "该实施单位不承担此改造方式" in html.content.decode()


def test_nothing_selected_goes_back_with_a_message(client_for, official_a, ready_a):
    response = client_for(official_a).post(url(), {"action": "contract"}, follow=True)
    assert "请先勾选改造户" in response.content.decode()


def test_the_service_is_bounded(official_a, ready_a, monkeypatch):
    monkeypatch.setattr(bulk, "BULK_LIMIT", 2)
    qs = Household.objects.filter(pk__in=[h.pk for h in ready_a])
    with pytest.raises(Exception, match="一次最多处理 2 户"):
        bulk.households_bulk(households=qs, action="contract", by=official_a, day=D(2021, 6, 1))
    assert statuses(ready_a) == ["surveyed"] * 3


def test_list_offers_the_bulk_bar_to_who_may_change(client_for, official_a, district, ready_a):
    html = client_for(official_a).get(reverse("ledger:household_list")).content.decode()
    assert 'id="bulk-form"' in html and "全部 3 户" in html and "js/bulk_select.js" in html
    assert "<script>" not in html
    assert (
        'id="bulk-form"'
        not in client_for(district).get(reverse("ledger:household_list")).content.decode()
    )


# --- Preconditions of 签约 ---------------------------------------------------------------------


def test_contract_needs_a_contractor_and_the_equipment_the_catalogue_lists(
    official_a, programme, town_a, village_a, gas_company, gas_boiler
):
    from django.core.exceptions import ValidationError

    from tasks.ledger import services

    h = HouseholdFactory(programme=programme, town=town_a, village=village_a)
    with pytest.raises(ValidationError) as exc:
        services.household_contract(household=h, by=official_a, signed_on=D(2021, 6, 1))
    assert exc.value.message_dict == {
        "contractor": ["请先在台账信息中选择实施单位，再签约。"],
        "equipment": ["请先在台账信息中选择采暖设备（该改造方式须选用目录内设备），再签约。"],
    }
    services.household_update(household=h, by=official_a, contractor=gas_company)
    with pytest.raises(ValidationError) as exc:
        services.household_contract(household=h, by=official_a, signed_on=D(2021, 6, 1))
    assert set(exc.value.message_dict) == {"equipment"}
    services.household_update(household=h, by=official_a, equipment=gas_boiler)
    services.household_contract(household=h, by=official_a, signed_on=D(2021, 6, 1))
    assert Household.objects.get(pk=h.pk).status == "contracted"


def test_central_heating_needs_no_equipment_when_the_catalogue_has_none(
    official_a, programme, town_a, village_a, heating_company, gas_boiler
):
    from tasks.ledger import services

    h = HouseholdFactory(
        programme=programme,
        town=town_a,
        village=village_a,
        route=Route.CENTRAL,
        contractor=heating_company,
    )
    services.household_contract(household=h, by=official_a, signed_on=D(2021, 6, 1))
    assert Household.objects.get(pk=h.pk).status == "contracted"


def test_household_page_says_up_front_what_signing_needs(
    client_for, official_a, programme, town_a, village_a, gas_boiler
):
    h = HouseholdFactory(programme=programme, town=town_a, village=village_a)
    html = client_for(official_a).get(reverse("ledger:household_detail", args=[h.pk])).content
    html = html.decode()
    assert 'id="contract-missing"' in html
    assert "请先在台账信息中选择实施单位，再签约。" in html and "选择采暖设备" in html
    assert 'id="contract-form"' not in html


def test_household_page_of_a_ready_household_shows_the_contract_form(
    client_for, official_a, household_a
):
    html = client_for(official_a).get(household_a.get_absolute_url()).content.decode()
    assert 'id="contract-missing"' not in html and 'id="contract-form"' in html


def test_inspection_page_says_up_front_there_is_no_contractor(
    client_for, official_a, programme, town_a, village_a, approved_plan_a
):
    h = HouseholdFactory(
        programme=programme, town=town_a, village=village_a, status=HouseholdStatus.BUILT
    )
    html = client_for(official_a).get(reverse("acceptance:new", args=[h.pk])).content.decode()
    assert 'id="no-contractor"' in html and "该户未确定实施单位，不能验收。" in html
