"""Payment accounts: kept by the household's town, with history; shown masked."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from subsidies.payments.models import PaymentAccount
from subsidies.payments.services import payment_account_set
from tests.factories import HouseholdFactory
from tests.subsidies.payments.helpers import card, give_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(programme, town_a):
    return HouseholdFactory(programme=programme, town=town_a, head_name="张三")


def test_a_town_official_sets_and_changes_the_account_with_history(household, official_a):
    account = give_account(household, official_a, 1)
    assert (account.kind, account.holder, account.number) == ("one_card", "张三", card(1))
    assert account.updated_by == official_a
    payment_account_set(
        household=household,
        kind="bank",
        bank="中国银行",
        holder="张三",
        number="3703 0201 2345 67",
        by=official_a,
    )
    account.refresh_from_db()
    assert (account.kind, account.bank, account.number) == ("bank", "中国银行", "37030201234567")
    history = list(account.history.order_by("history_id"))
    assert [h.number for h in history] == [card(1), "37030201234567"]
    assert {h.history_user for h in history} == {official_a}


def test_saving_the_same_account_again_writes_no_history(household, official_a):
    give_account(household, official_a, 1)
    give_account(household, official_a, 1)
    assert PaymentAccount.history.count() == 1


def test_another_towns_official_and_finance_may_not_set_it(household, official_b, finance):
    for user in (official_b, finance):
        with pytest.raises(PermissionDenied):
            give_account(household, user, 1)
    assert not PaymentAccount.objects.exists()


def test_every_bad_field_is_named_and_nothing_is_written(household, official_a):
    with pytest.raises(ValidationError) as err:
        payment_account_set(
            household=household, kind="one_card", bank=" ", holder="", number="123", by=official_a
        )
    text = " ".join(err.value.messages)
    assert "“开户银行”不能为空" in text and "“户名”不能为空" in text and "“账号”应为" in text
    assert not PaymentAccount.objects.exists()


def test_the_page_saves_the_account_and_the_household_page_shows_it_masked(
    household, official_a, client_for
):
    c = client_for(official_a)
    url = reverse("subsidies:account_edit", args=[household.pk])
    bad = c.post(url, {"kind": "one_card", "bank": "农商行", "holder": "张三", "number": "6217"})
    assert bad.status_code == 200 and "应为 16 至 19 位数字" in bad.content.decode()
    response = c.post(
        url, {"kind": "one_card", "bank": "农商行", "holder": "张三", "number": card(7)}
    )
    assert response.status_code == 302
    assert PaymentAccount.objects.get(household=household).number == card(7)
    page = c.get(reverse("ledger:household_detail", args=[household.pk])).content.decode()
    assert "6217***********" in page and card(7) not in page
    assert reverse("subsidies:trace_household", args=[household.pk]) in page


def test_registering_many_accounts_is_all_or_nothing_with_one_history_row_each(
    programme, town_a, official_a
):
    from subsidies.payments.services import payment_accounts_register

    a, b = (HouseholdFactory(programme=programme, town=town_a) for _ in range(2))
    rows = [(a, "one_card", "农商行", "甲", card(1)), (b, "one_card", "农商行", "乙", "62170001")]
    with pytest.raises(ValidationError, match="第 2 户：“账号”应为 16 至 19 位数字"):
        payment_accounts_register(accounts=rows, by=official_a)
    assert not PaymentAccount.objects.exists()
    rows[1] = (b, "bank", "农商行", "乙", "37030201234567")
    assert payment_accounts_register(accounts=rows, by=official_a) == 2
    assert payment_accounts_register(accounts=rows, by=official_a) == 0
    history = PaymentAccount.history.all()
    assert history.count() == 2 and {h.history_user for h in history} == {official_a}
