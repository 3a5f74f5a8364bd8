"""Household services: registration, edits and every status action, with their refusals."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bench.generate import id_number
from tasks.ledger import services
from tasks.ledger.signals import household_withdrawn
from tasks.models import Household, HouseholdStatus, Route

ID = id_number(123, datetime.date(1968, 3, 5))  # a valid Zichuan ID
FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}
D = datetime.date


def errors_of(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def register(programme, town, village, by, **extra):
    fields = {
        "village": village,
        "head_name": "张伟",
        "id_number": ID,
        "phone": "13905331234",
        "route": Route.GAS,
    }
    fields.update(extra)
    return services.household_register(programme=programme, town=town, by=by, **fields)


def test_register_normalises_full_width_id_and_lowercase_x(
    programme, town_a, village_a, official_a
):
    # Find a birth date and serial whose check character is X, then type it in full width.
    serial = next(s for s in range(1000) if id_number(s, D(1970, 1, 1)).endswith("X"))
    raw = id_number(serial, D(1970, 1, 1))
    typed = " " + raw[:-1].translate(FULL_WIDTH) + "ｘ "
    h = register(programme, town_a, village_a, official_a, id_number=typed, phone=" 139 0533 1234")
    h.refresh_from_db()
    assert h.id_number == raw
    assert h.id_tail == raw[-6:]
    assert h.phone == "13905331234"
    assert h.status == HouseholdStatus.SURVEYED
    assert h.town == town_a


def test_register_records_who_and_why_in_history(programme, town_a, village_a, official_a):
    h = register(programme, town_a, village_a, official_a)
    [record] = h.history.all()
    assert record.history_type == "+"
    assert record.history_user == official_a
    assert record.history_change_reason == "登记"


def test_register_refuses_a_duplicate_id_in_the_same_town_naming_the_household(
    programme, town_a, village_a, official_a
):
    first = register(programme, town_a, village_a, official_a, head_name="王建国")
    with pytest.raises(ValidationError) as exc:
        register(programme, town_a, village_a, official_a, head_name="王建设")
    assert exc.value.message_dict["id_number"] == [
        f"该身份证号已登记：东村 王建国（台账编号 {first.pk}）。"
    ]
    assert Household.objects.count() == 1


def test_register_refuses_a_duplicate_id_from_another_town_without_its_details(
    programme, town_a, town_b, village_a, village_b, official_a, official_b
):
    register(programme, town_b, village_b, official_b, head_name="李秀英")
    with pytest.raises(ValidationError) as exc:
        register(programme, town_a, village_a, official_a)
    message = exc.value.message_dict["id_number"][0]
    assert message == "该身份证号已在其他镇（街道）登记，同一户不能重复登记。"
    assert "李秀英" not in message and "西村" not in message


def test_register_refuses_invalid_id_number_with_a_field_message(
    programme, town_a, village_a, official_a
):
    bad = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        register(programme, town_a, village_a, official_a, id_number=bad)
    assert exc.value.message_dict["id_number"] == ["身份证号校验位不正确，请核对。"]


def test_register_refuses_equipment_and_contractor_that_do_not_fit_the_route(
    programme, town_a, village_a, official_a, heat_pump, heating_company
):
    with pytest.raises(ValidationError) as exc:
        register(
            programme,
            town_a,
            village_a,
            official_a,
            route=Route.GAS,
            equipment=heat_pump,
            contractor=heating_company,
        )
    assert exc.value.message_dict["equipment"] == ["所选设备不适用于该改造方式。"]
    assert exc.value.message_dict["contractor"] == ["该实施单位不承担此改造方式。"]


def test_register_refuses_a_village_of_another_town(programme, town_a, village_b, official_a):
    with pytest.raises(ValidationError) as exc:
        register(programme, town_a, village_b, official_a)
    assert exc.value.message_dict["village"] == ["该村（居）不属于所选镇（街道）。"]


def test_update_writes_one_history_row_per_change_and_none_without_change(household_a, official_a):
    before = household_a.history.count()
    services.household_update(household=household_a, by=official_a, phone="0533-5181234", size=5)
    assert household_a.history.count() == before + 1
    latest = household_a.history.first()
    delta = latest.diff_against(latest.prev_record)
    assert {(c.field, c.old, c.new) for c in delta.changes} == {
        ("phone", "13905331234", "0533-5181234"),
        ("size", 3, 5),
    }
    assert latest.history_user == official_a
    services.household_update(household=household_a, by=official_a, phone="0533-5181234")
    assert household_a.history.count() == before + 1
    household_a.refresh_from_db()
    assert (household_a.phone, household_a.size, household_a.head_name) == (
        "0533-5181234",
        5,
        "王建国",
    )


def test_update_refuses_status_and_town_changes(household_a, official_a, town_b):
    with pytest.raises(TypeError):
        services.household_update(household=household_a, by=official_a, status="built")
    with pytest.raises(TypeError):
        services.household_update(household=household_a, by=official_a, town=town_b)


def test_update_refuses_a_withdrawn_household(household_a, official_a):
    services.household_withdraw(household=household_a, by=official_a, reason="搬迁")
    with pytest.raises(ValidationError) as exc:
        services.household_update(household=household_a, by=official_a, size=4)
    assert "已退出" in errors_of(exc)


def test_contract_needs_a_date_and_moves_surveyed_to_contracted(household_a, official_a):
    with pytest.raises(ValidationError) as exc:
        services.household_contract(household=household_a, by=official_a, signed_on=None)
    assert exc.value.message_dict == {"contract_signed_on": ["请填写签约日期。"]}
    h = services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    h.refresh_from_db()
    assert (h.status, h.contract_signed_on) == (HouseholdStatus.CONTRACTED, D(2021, 6, 1))
    assert h.history.first().history_change_reason == "签约"


def test_contract_is_refused_twice(household_a, official_a):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    with pytest.raises(ValidationError) as exc:
        services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 2))
    assert errors_of(exc) == "当前状态为“已签约”，不能签约。"
    household_a.refresh_from_db()
    assert household_a.contract_signed_on == D(2021, 6, 1)


def test_start_construction_is_refused_until_the_town_plan_is_approved(
    household_a, official_a, programme, town_a, district
):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    with pytest.raises(ValidationError) as exc:
        services.household_start_construction(
            household=household_a, by=official_a, started_on=D(2021, 6, 20)
        )
    assert errors_of(exc) == "洪山镇的实施方案尚未经区清洁取暖办核准，不能开工（方案核准后实施）。"
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.CONTRACTED
    assert household_a.construction_started_on is None


def test_start_construction_after_plan_approval(household_a, official_a, approved_plan_a):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    h = services.household_start_construction(
        household=household_a, by=official_a, started_on=D(2021, 6, 20)
    )
    h.refresh_from_db()
    assert (h.status, h.construction_started_on) == (
        HouseholdStatus.UNDER_CONSTRUCTION,
        D(2021, 6, 20),
    )


def test_start_construction_refuses_a_surveyed_household(household_a, official_a, approved_plan_a):
    with pytest.raises(ValidationError) as exc:
        services.household_start_construction(household=household_a, by=official_a)
    assert errors_of(exc) == "当前状态为“已摸底”，不能开工。"


def test_start_construction_refuses_a_date_before_the_contract(
    household_a, official_a, approved_plan_a
):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 10))
    with pytest.raises(ValidationError) as exc:
        services.household_start_construction(
            household=household_a, by=official_a, started_on=D(2021, 6, 1)
        )
    assert exc.value.message_dict == {"construction_started_on": ["开工日期不能早于签约日期。"]}


def test_complete_construction_needs_a_date_not_before_the_start(
    household_a, official_a, approved_plan_a
):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    services.household_start_construction(
        household=household_a, by=official_a, started_on=D(2021, 6, 20)
    )
    with pytest.raises(ValidationError) as exc:
        services.household_complete_construction(
            household=household_a, by=official_a, completed_on=None
        )
    assert exc.value.message_dict == {"construction_completed_on": ["请填写完工日期。"]}
    with pytest.raises(ValidationError) as exc:
        services.household_complete_construction(
            household=household_a, by=official_a, completed_on=D(2021, 6, 19)
        )
    assert exc.value.message_dict == {"construction_completed_on": ["完工日期不能早于开工日期。"]}
    h = services.household_complete_construction(
        household=household_a, by=official_a, completed_on=D(2021, 8, 1)
    )
    h.refresh_from_db()
    assert (h.status, h.construction_completed_on) == (HouseholdStatus.BUILT, D(2021, 8, 1))
    assert h.history.count() == 4


def test_complete_construction_refuses_a_contracted_household(household_a, official_a):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    with pytest.raises(ValidationError) as exc:
        services.household_complete_construction(
            household=household_a, by=official_a, completed_on=D(2021, 8, 1)
        )
    assert errors_of(exc) == "当前状态为“已签约”，不能登记完工。"


def test_withdraw_needs_a_reason(household_a, official_a):
    with pytest.raises(ValidationError) as exc:
        services.household_withdraw(household=household_a, by=official_a, reason="  ")
    assert exc.value.message_dict == {"withdrawal_reason": ["请填写退出原因。"]}
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.SURVEYED


def test_withdraw_remembers_the_status_and_sends_the_signal(household_a, official_a):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    received = []

    def receiver(sender, household, by, reason, **kw):
        received.append((household.pk, by, reason))

    household_withdrawn.connect(receiver)
    try:
        h = services.household_withdraw(household=household_a, by=official_a, reason="房屋拆迁")
    finally:
        household_withdrawn.disconnect(receiver)
    h.refresh_from_db()
    assert (h.status, h.status_before_withdrawal, h.withdrawal_reason) == (
        HouseholdStatus.WITHDRAWN,
        HouseholdStatus.CONTRACTED,
        "房屋拆迁",
    )
    assert received == [(household_a.pk, official_a, "房屋拆迁")]
    # The history keeps the fixed reason; the free text is the household's withdrawal_reason.
    assert h.history.first().history_change_reason == "退出"


def test_withdraw_refuses_an_already_withdrawn_household(household_a, official_a):
    services.household_withdraw(household=household_a, by=official_a, reason="搬迁")
    with pytest.raises(ValidationError) as exc:
        services.household_withdraw(household=household_a, by=official_a, reason="再次")
    assert errors_of(exc) == "当前状态为“已退出”，不能退出。"


def test_restore_is_for_the_district_office_only(household_a, official_a, finance):
    services.household_withdraw(household=household_a, by=official_a, reason="搬迁")
    for user in (official_a, finance):
        with pytest.raises(PermissionDenied) as exc:
            services.household_restore(household=household_a, by=user)
        assert str(exc.value) == "只有区清洁取暖办可以恢复已退出的改造户。"
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.WITHDRAWN


def test_restore_returns_to_the_previous_status(household_a, official_a, district):
    services.household_contract(household=household_a, by=official_a, signed_on=D(2021, 6, 1))
    services.household_withdraw(household=household_a, by=official_a, reason="搬迁")
    h = services.household_restore(household=household_a, by=district)
    h.refresh_from_db()
    assert (h.status, h.status_before_withdrawal, h.withdrawal_reason) == (
        HouseholdStatus.CONTRACTED,
        "",
        "",
    )
    assert h.contract_signed_on == D(2021, 6, 1)
    assert h.history.first().history_user == district


def test_restore_refuses_a_household_that_is_not_withdrawn(household_a, district):
    with pytest.raises(ValidationError) as exc:
        services.household_restore(household=household_a, by=district)
    assert errors_of(exc) == "当前状态为“已摸底”，不能恢复。"
