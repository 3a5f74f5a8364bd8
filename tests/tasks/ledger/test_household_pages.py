"""Ledger pages: the access battery on every URL, forms, actions, masking, history, queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.generate import id_number
from tasks.models import Household, HouseholdStatus, IdNumberView, Route
from tasks.validators import mask_id_number
from tests.access import battery
from tests.factories import HouseholdFactory, UserFactory, VillageFactory

D = datetime.date


def url(name, *args):
    return reverse(f"ledger:{name}", args=args)


# --- access battery ---------------------------------------------------------------------------


def test_list_access_battery(cast):
    battery(
        url("household_list"),
        ok=[cast["official_a"], cast["district"], cast["finance"], cast["administrator"]],
        forbidden=[UserFactory(username="no-role")],
    )


def test_create_access_battery(cast):
    battery(
        url("household_create"),
        ok=[cast["official_a"], cast["administrator"]],
        forbidden=[cast["district"], cast["finance"], UserFactory(username="no-role")],
    )


def test_detail_access_battery(cast, household_a):
    battery(
        url("household_detail", household_a.pk),
        ok=[cast["official_a"], cast["district"], cast["finance"]],
        not_found=[cast["official_b"]],
        forbidden=[UserFactory(username="no-role")],
    )


def test_edit_access_battery(cast, household_a):
    battery(
        url("household_edit", household_a.pk),
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
    )


def test_withdraw_page_access_battery(cast, household_a):
    battery(
        url("household_withdraw", household_a.pk),
        ok=[cast["official_a"]],
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
    )


@pytest.mark.parametrize("action", ["contract", "start", "complete"])
def test_status_action_access_battery(cast, household_a, action):
    # Without the confirmation box nothing happens: the view redirects back to the page.
    battery(
        url("household_action", household_a.pk, action),
        method="post",
        ok=[cast["official_a"]],
        ok_status=302,
        not_found=[cast["official_b"]],
        forbidden=[cast["district"], cast["finance"]],
        wrong_method="get",
    )
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.SURVEYED


def test_restore_access_battery(cast, household_a):
    battery(
        url("household_restore", household_a.pk),
        method="post",
        ok=[cast["district"]],
        ok_status=302,
        forbidden=[cast["official_a"], cast["official_b"], cast["finance"]],
        wrong_method="get",
    )


def test_restore_of_another_towns_household_is_not_found_for_a_scoped_restorer(
    cast, household_a, town_b
):
    from django.contrib.auth.models import Permission

    scoped = UserFactory(username="b-restorer", town=town_b, role="town_official")
    scoped.user_permissions.add(Permission.objects.get(codename="restore_household"))
    battery(
        url("household_restore", household_a.pk),
        method="post",
        ok=[],
        not_found=[scoped],
    )


def test_full_id_access_battery(cast, household_a):
    battery(
        url("household_id_number", household_a.pk),
        method="post",
        ok=[cast["finance"], cast["administrator"]],
        forbidden=[cast["official_a"], cast["official_b"], cast["district"]],
        wrong_method="get",
    )


def test_unknown_action_is_not_found(client_for, official_a, household_a):
    response = client_for(official_a).post(
        url("household_action", household_a.pk, "accept"), {"accept-confirm": "yes"}
    )
    assert response.status_code == 404


# --- list -------------------------------------------------------------------------------------


def test_official_sees_only_own_town_and_no_town_filter(
    client_for, official_a, household_a, household_b
):
    response = client_for(official_a).get(url("household_list"))
    assert [h.pk for h in response.context["page"].object_list] == [household_a.pk]
    html = response.content.decode()
    assert "王建国" in html and "李秀英" not in html
    assert 'name="town"' not in html
    assert "共 1 户" in html


def test_district_sees_all_towns_and_filters_by_town(
    client_for, district, household_a, household_b, town_b
):
    client = client_for(district)
    html = client.get(url("household_list")).content.decode()
    assert 'name="town"' in html and "共 2 户" in html
    response = client.get(url("household_list"), {"town": town_b.pk})
    assert [h.pk for h in response.context["page"].object_list] == [household_b.pk]


def test_official_naming_another_town_in_the_filter_still_sees_only_own(
    client_for, official_a, household_a, household_b, town_b
):
    response = client_for(official_a).get(url("household_list"), {"town": town_b.pk})
    assert [h.pk for h in response.context["page"].object_list] == [household_a.pk]


def test_search_by_name_village_and_id_tail(client_for, district, household_a, household_b):
    client = client_for(district)

    def found(q):
        response = client.get(url("household_list"), {"q": q})
        return [h.pk for h in response.context["page"].object_list]

    assert found("王建") == [household_a.pk]
    assert found("西村") == [household_b.pk]
    assert found(household_b.id_number[-4:]) == [household_b.pk]
    assert found(household_a.id_number[-6:]) == [household_a.pk]


def test_filters_by_status_and_route_and_sorts(
    client_for, official_a, programme, town_a, village_a
):
    a = HouseholdFactory(programme=programme, town=town_a, village=village_a, head_name="赵一")
    b = HouseholdFactory(
        programme=programme,
        town=town_a,
        village=village_a,
        head_name="钱二",
        route=Route.ELECTRIC,
        status=HouseholdStatus.CONTRACTED,
    )
    client = client_for(official_a)
    page = client.get(url("household_list"), {"status": "contracted"}).context["page"]
    assert [h.pk for h in page.object_list] == [b.pk]
    page = client.get(url("household_list"), {"route": "gas"}).context["page"]
    assert [h.pk for h in page.object_list] == [a.pk]
    page = client.get(url("household_list")).context["page"]
    assert [h.pk for h in page.object_list] == [b.pk, a.pk]  # newest first
    page = client.get(url("household_list"), {"ordering": "id"}).context["page"]
    assert [h.pk for h in page.object_list] == [a.pk, b.pk]


def test_page_size_choice_and_pagination(client_for, official_a, programme, town_a, village_a):
    HouseholdFactory.create_batch(12, programme=programme, town=town_a, village=village_a)
    client = client_for(official_a)
    response = client.get(url("household_list"), {"per_page": "10", "page": "2"})
    assert len(response.context["page"].object_list) == 2
    assert response.context["page"].paginator.count == 12
    assert "第 2 / 2 页" in response.content.decode()
    assert client.get(url("household_list"), {"per_page": "7"}).context["per_page"] == 50


def test_empty_states(client_for, official_a, programme):
    client = client_for(official_a)
    html = client.get(url("household_list")).content.decode()
    assert "台账中还没有改造户。" in html and "登记第一户" in html
    html = client.get(url("household_list"), {"q": "无此人"}).content.decode()
    assert "没有符合条件的改造户" in html


def test_list_masks_id_numbers_for_roles_without_the_permission(
    client_for, official_a, district, household_a
):
    for user in (official_a, district):
        html = client_for(user).get(url("household_list")).content.decode()
        assert household_a.id_number not in html
        assert mask_id_number(household_a.id_number) in html
    assert IdNumberView.objects.count() == 0


def test_list_shows_full_ids_to_permission_holders_and_logs_each_row(
    client_for, finance, household_a, household_b
):
    html = client_for(finance).get(url("household_list")).content.decode()
    assert household_a.id_number in html and household_b.id_number in html
    logged = sorted(IdNumberView.objects.values_list("household_id", "viewed_by_id", "context"))
    assert logged == sorted(
        [(household_a.pk, finance.pk, "list"), (household_b.pk, finance.pk, "list")]
    )


@pytest.mark.parametrize("user_name", ["district", "finance"])
def test_list_query_count_does_not_depend_on_page_size(
    request, client_for, programme, town_a, village_a, user_name
):
    user = request.getfixturevalue(user_name)
    HouseholdFactory.create_batch(120, programme=programme, town=town_a, village=village_a)
    client = client_for(user)
    client.get(url("household_list"))  # warm the session and caches
    counts = {}
    for size in (10, 50, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url("household_list"), {"per_page": size})
        assert len(response.context["page"].object_list) == size
        counts[size] = len(ctx.captured_queries)
    assert counts[10] == counts[50] == counts[100], counts


# --- create and edit ----------------------------------------------------------------------------

VALID_ID = id_number(321, D(1975, 4, 2))


def form_data(village, **extra):
    data = {
        "village": village.pk,
        "head_name": "孙立新",
        "id_number": VALID_ID,
        "phone": "13905339876",
        "address": "东村5号",
        "size": "4",
        "route": "gas",
        "equipment": "",
        "contractor": "",
        "notes": "",
    }
    data.update(extra)
    return data


def test_official_registers_a_household_in_own_town(client_for, official_a, village_a, town_a):
    full_width = VALID_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    response = client_for(official_a).post(
        url("household_create"), form_data(village_a, id_number=full_width)
    )
    household = Household.objects.get()
    assert response.status_code == 302 and response.url == url("household_detail", household.pk)
    assert (household.town, household.id_number, household.size) == (town_a, VALID_ID, 4)
    assert household.history.get().history_user == official_a


def test_create_form_offers_only_own_town_villages(client_for, official_a, village_a, village_b):
    form = client_for(official_a).get(url("household_create")).context["form"]
    assert list(form.fields["village"].queryset) == [village_a]
    assert "town" not in form.fields
    response = client_for(official_a).post(url("household_create"), form_data(village_b))
    assert response.status_code == 200
    assert response.context["form"].errors["village"] == ["所选村（居）不在您的镇（街道）内。"]
    assert Household.objects.count() == 0


def test_create_form_gives_field_level_chinese_messages(client_for, official_a, village_a):
    response = client_for(official_a).post(
        url("household_create"),
        form_data(village_a, head_name="", id_number="37030219750402321", phone="123", size="0"),
    )
    errors = response.context["form"].errors
    assert errors["head_name"] == ["请填写户主姓名。"]
    assert errors["id_number"] == ["身份证号应为18位，当前为17位。"]
    assert errors["phone"] == ["联系电话应为11位手机号，或带区号的固定电话（如 0533-5181234）。"]
    assert errors["size"] == ["家庭人口至少为1人。"]
    html = response.content.decode()
    assert 'id="error-id_number"' in html


def test_create_duplicate_id_is_a_field_error_naming_the_household(
    client_for, official_a, village_a, household_a
):
    response = client_for(official_a).post(
        url("household_create"), form_data(village_a, id_number=household_a.id_number)
    )
    assert response.context["form"].errors["id_number"] == [
        f"该身份证号已登记：东村 王建国（台账编号 {household_a.pk}）。"
    ]
    assert Household.objects.count() == 1


def test_create_equipment_must_fit_route(client_for, official_a, village_a, heat_pump):
    response = client_for(official_a).post(
        url("household_create"), form_data(village_a, equipment=heat_pump.pk)
    )
    assert response.context["form"].errors["equipment"] == ["所选设备不适用于该改造方式。"]


def test_edit_writes_history_shown_on_the_page(client_for, official_a, household_a, town_a):
    other_village = VillageFactory(town=town_a, name="南村")
    client = client_for(official_a)
    data = form_data(
        other_village,
        head_name=household_a.head_name,
        id_number=household_a.id_number,
        phone="0533-5181234",
        address=household_a.address,
        size=household_a.size,
    )
    response = client.post(url("household_edit", household_a.pk), data)
    assert response.status_code == 302
    household_a.refresh_from_db()
    assert (household_a.village, household_a.phone) == (other_village, "0533-5181234")
    assert household_a.history.count() == 2
    html = client.get(url("household_detail", household_a.pk)).content.decode()
    assert "村（居）：东村 → 南村" in html
    assert "联系电话：13905331234 → 0533-5181234" in html
    assert "修改台账信息" in html


def test_history_masks_id_number_changes(client_for, official_a, household_a):
    from tasks.ledger import services

    old = household_a.id_number
    services.household_update(household=household_a, by=official_a, id_number=VALID_ID)
    html = client_for(official_a).get(url("household_detail", household_a.pk)).content.decode()
    assert f"身份证号：{mask_id_number(old)} → {mask_id_number(VALID_ID)}" in html
    assert old not in html and VALID_ID not in html


# --- detail: full ID and status actions -------------------------------------------------------


def test_detail_masks_id_and_full_view_is_logged(client_for, finance, household_a):
    client = client_for(finance)
    html = client.get(url("household_detail", household_a.pk)).content.decode()
    assert household_a.id_number not in html and 'id="show-full-id"' in html
    assert IdNumberView.objects.count() == 0
    response = client.post(url("household_id_number", household_a.pk))
    assert household_a.id_number in response.content.decode()
    view = IdNumberView.objects.get()
    assert (view.household, view.viewed_by, view.context) == (household_a, finance, "detail")
    client.post(url("household_id_number", household_a.pk))
    assert IdNumberView.objects.count() == 2


def test_detail_offers_no_full_id_button_without_permission(client_for, official_a, household_a):
    html = client_for(official_a).get(url("household_detail", household_a.pk)).content.decode()
    assert 'id="show-full-id"' not in html
    assert mask_id_number(household_a.id_number) in html


def test_finance_sees_no_status_actions(client_for, finance, household_a):
    html = client_for(finance).get(url("household_detail", household_a.pk)).content.decode()
    assert 'id="status-actions"' not in html


def test_contract_through_the_page_needs_confirmation(client_for, official_a, household_a):
    client = client_for(official_a)
    action = url("household_action", household_a.pk, "contract")
    response = client.post(action, {"contract-signed_on": "2021-06-01"}, follow=True)
    assert "请勾选确认后再提交。" in response.content.decode()
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.SURVEYED
    response = client.post(
        action, {"contract-signed_on": "2021-06-01", "contract-confirm": "on"}, follow=True
    )
    household_a.refresh_from_db()
    assert (household_a.status, household_a.contract_signed_on) == ("contracted", D(2021, 6, 1))
    assert "已更新状态：已签约。" in response.content.decode()


def test_start_button_is_replaced_by_the_plan_reason(client_for, official_a, household_a):
    household_a.status = HouseholdStatus.CONTRACTED
    household_a.contract_signed_on = D(2021, 6, 1)
    household_a.save()
    client = client_for(official_a)
    html = client.get(url("household_detail", household_a.pk)).content.decode()
    assert "洪山镇的实施方案尚未经区清洁取暖办核准，不能开工（方案核准后实施）。" in html
    assert url("household_action", household_a.pk, "start") not in html
    response = client.post(
        url("household_action", household_a.pk, "start"),
        {"start-started_on": "2021-06-20", "start-confirm": "on"},
        follow=True,
    )
    assert "实施方案尚未经区清洁取暖办核准" in response.content.decode()
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.CONTRACTED


def test_full_construction_journey_through_the_pages(
    client_for, official_a, household_a, approved_plan_a
):
    client = client_for(official_a)
    html = client.get(url("household_detail", household_a.pk)).content.decode()
    # The box the user ticks is on the page, unticked; no inline script asks instead.
    assert 'name="contract-confirm"' in html and "onsubmit" not in html and "checked" not in html
    for action, field, day in [
        ("contract", "signed_on", "2021-06-01"),
        ("start", "started_on", "2021-06-20"),
        ("complete", "completed_on", "2021-08-01"),
    ]:
        response = client.post(
            url("household_action", household_a.pk, action),
            {f"{action}-{field}": day, f"{action}-confirm": "on"},
        )
        assert response.status_code == 302
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.BUILT
    assert (
        household_a.contract_signed_on,
        household_a.construction_started_on,
        household_a.construction_completed_on,
    ) == (D(2021, 6, 1), D(2021, 6, 20), D(2021, 8, 1))
    assert household_a.history.count() == 4


def test_withdraw_and_restore_through_the_pages(client_for, official_a, district, household_a):
    client = client_for(official_a)
    response = client.post(url("household_withdraw", household_a.pk), {"confirm": "on"})
    assert response.context["form"].errors["reason"] == ["请填写退出原因。"]
    response = client.post(
        url("household_withdraw", household_a.pk), {"confirm": "on", "reason": "房屋拆迁"}
    )
    assert response.status_code == 302
    household_a.refresh_from_db()
    assert (household_a.status, household_a.withdrawal_reason) == ("withdrawn", "房屋拆迁")
    html = client.get(url("household_detail", household_a.pk)).content.decode()
    assert "房屋拆迁" in html and url("household_edit", household_a.pk) not in html
    assert client.get(url("household_edit", household_a.pk)).status_code == 302

    district_client = client_for(district)
    restore_url = url("household_restore", household_a.pk)
    assert f'action="{restore_url}"' in (
        district_client.get(url("household_detail", household_a.pk)).content.decode()
    )
    district_client.post(url("household_restore", household_a.pk))  # no confirmation
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.WITHDRAWN
    district_client.post(url("household_restore", household_a.pk), {"confirm": "on"})
    household_a.refresh_from_db()
    assert (household_a.status, household_a.withdrawal_reason) == ("surveyed", "")


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("contract", {"contract-signed_on": "2021-06-01"}),
        ("contract", {"contract-signed_on": "2021-06-01", "contract-confirm": ""}),
        ("contract", {"contract-signed_on": "2021-06-01", "confirm": "yes"}),
    ],
)
def test_a_post_without_the_ticked_box_changes_nothing(
    client_for, official_a, household_a, action, data
):
    before = household_a.history.count()
    response = client_for(official_a).post(
        url("household_action", household_a.pk, action), data, follow=True
    )
    assert "请勾选确认后再提交。" in response.content.decode()
    household_a.refresh_from_db()
    assert (household_a.status, household_a.contract_signed_on) == ("surveyed", None)
    assert household_a.history.count() == before


def test_withdraw_without_the_ticked_box_changes_nothing(client_for, official_a, household_a):
    response = client_for(official_a).post(
        url("household_withdraw", household_a.pk), {"reason": "房屋拆迁"}
    )
    assert response.context["form"].errors["confirm"] == ["请勾选确认后再提交。"]
    household_a.refresh_from_db()
    assert (household_a.status, household_a.withdrawal_reason) == ("surveyed", "")


def test_restore_by_someone_without_the_permission_is_403(client_for, official_a, household_a):
    from tasks.ledger import services

    services.household_withdraw(household=household_a, by=official_a, reason="搬迁")
    response = client_for(official_a).post(
        url("household_restore", household_a.pk), {"confirm": "on"}
    )
    assert response.status_code == 403
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.WITHDRAWN


def test_nav_has_the_ledger_entry(client_for, official_a):
    html = client_for(official_a).get(reverse("progress:dashboard")).content.decode()
    assert f'<a href="{url("household_list")}"' in html and "改造户台账" in html


# --- search helpers and the estimating paginator ----------------------------------------------


def test_short_id_tails_expand_to_indexed_lookups():
    from tasks.ledger.filters import id_tails_ending

    assert id_tails_ending("12345X") == ["12345X"]
    assert id_tails_ending("2345X") == ["02345X", "12345X", "22345X", "32345X"]
    four = id_tails_ending("345X")
    assert len(four) == 31 and four[0] == "01345X" and four[-1] == "31345X"
    assert id_tails_ending("45X") == []


def test_search_by_a_four_digit_tail_of_an_x_id(
    client_for, official_a, programme, town_a, village_a
):
    serial = next(s for s in range(1000) if id_number(s, D(1970, 1, 17)).endswith("X"))
    target = HouseholdFactory(
        programme=programme,
        town=town_a,
        village=village_a,
        id_number=id_number(serial, D(1970, 1, 17)),
    )
    HouseholdFactory(programme=programme, town=town_a, village=village_a)
    response = client_for(official_a).get(
        url("household_list"), {"q": target.id_number[-4:].lower()}
    )
    assert [h.pk for h in response.context["page"].object_list] == [target.pk]


def test_village_filter_appears_for_district_once_a_town_is_chosen(
    client_for, district, town_a, village_a
):
    client = client_for(district)
    assert 'name="village"' not in client.get(url("household_list")).content.decode()
    html = client.get(url("household_list"), {"town": town_a.pk}).content.decode()
    assert 'name="village"' in html and f'<option value="{village_a.pk}">' in html


def test_a_reason_that_is_only_invisible_characters_is_refused_on_the_form(
    client_for, official_a, household_a
):
    response = client_for(official_a).post(
        url("household_withdraw", household_a.pk), {"confirm": "on", "reason": "\u202e\u200b"}
    )
    assert response.status_code == 200
    assert "请填写退出原因。" in response.content.decode()
    household_a.refresh_from_db()
    assert household_a.status != "withdrawn"
