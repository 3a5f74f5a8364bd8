"""The bank's return keyed on the sheet's 明细编号 or on the account number; what it cannot
match is listed and nothing is written."""

import pytest

from subsidies import services
from subsidies.models import Instalment, LineState
from subsidies.payments.models import detail_number, parse_detail_number
from tests.subsidies.helpers import bank_return_file, pay_on_estimate
from tests.subsidies.payments.helpers import approved_batch, card, give_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(programme, make_accepted, town_a, official_a, finance, finance2):
    households = [make_accepted(town_a, head_name=n) for n in ("张三", "李四", "王五")]
    for n, h in enumerate(households, start=1):
        give_account(h, official_a, n)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = approved_batch(programme, [town_a], finance, finance2)
    services.batch_mark_exported(batch=batch, by=finance)
    return batch, households


def states(batch, household):
    return set(batch.lines.filter(instalment__household=household).values_list("state", flat=True))


def test_the_detail_number_round_trips():
    assert detail_number(12, 345) == "PC00012-0000345"
    assert parse_detail_number(" pc00012-0000345 ") == (12, 345)
    assert parse_detail_number("12") is None and parse_detail_number("PC1-2") is None


def test_a_return_by_detail_number_answers_every_item_of_the_household(exported, finance):
    batch, (h1, h2, h3) = exported
    rows = [
        (detail_number(batch.pk, h1.pk), "", "成功", ""),
        (detail_number(batch.pk, h2.pk), "", "失败", "户名不符"),
    ]
    result = services.bank_return_import(batch=batch, file=bank_return_file(rows), by=finance)
    assert (result.paid, result.failed) == (3, 3)
    assert states(batch, h1) == {LineState.PAID} and states(batch, h2) == {LineState.FAILED}
    assert states(batch, h3) == {LineState.INCLUDED}
    assert set(batch.lines.filter(state="failed").values_list("failure_reason", flat=True)) == {
        "户名不符"
    }
    again = services.bank_return_import(batch=batch, file=bank_return_file(rows), by=finance)
    assert again.changed == 0


def test_a_return_by_account_number(exported, finance):
    batch, (h1, _h2, _h3) = exported
    rows = [(f"{card(1)[:6]} {card(1)[6:]}", "成功", "")]
    file = bank_return_file(rows, headers=("账号", "结果", "失败原因"))
    result = services.bank_return_import(batch=batch, file=file, by=finance)
    assert result.paid == 3 and states(batch, h1) == {LineState.PAID}
    assert Instalment.objects.filter(status="paid", household=h1).count() == 3


def test_what_cannot_be_matched_is_listed_and_nothing_is_written(exported, finance):
    batch, (h1, h2, _h3) = exported
    rows = [
        (detail_number(batch.pk, h1.pk), "", "", "成功", ""),
        (detail_number(batch.pk + 1, h1.pk), "", "", "成功", ""),  # another batch's number
        ("", "", "6217000000000000000", "成功", ""),  # nobody's account
        ("", "110101199003077777", "", "成功", ""),  # nobody's ID
        (detail_number(batch.pk, h2.pk), "", card(1), "成功", ""),  # h1's account on h2's line
    ]
    file = bank_return_file(rows, headers=("明细编号", "身份证号", "账号", "结果", "失败原因"))
    with pytest.raises(services.BankReturnError) as err:
        services.bank_return_import(batch=batch, file=file, by=finance)
    assert [(r, c) for r, c, _v in err.value.unmatched] == [
        (3, "明细编号"),
        (4, "账号"),
        (5, "身份证号"),
    ]
    assert [(r, c) for r, c, _m in err.value.rows] == [
        (3, "明细编号"),
        (4, "账号"),
        (5, "身份证号"),
        (6, "账号"),
    ]
    assert "账号与明细不符" in err.value.rows[-1][2]
    assert not batch.lines.exclude(state="included").exists()


def test_an_old_return_keyed_on_line_ids_still_works(exported, finance):
    batch, _ = exported
    line = batch.lines.order_by("id").first()
    result = services.bank_return_import(
        batch=batch, file=bank_return_file([(line.pk, "", "成功", "")]), by=finance
    )
    assert result.paid == 1
