"""Account numbers: digits, a length per kind, the Luhn digit where it applies; Chinese
messages naming the field."""

import pytest
from django.core.exceptions import ValidationError

from subsidies.payments.validators import (
    luhn_ok,
    mask_account_number,
    normalise_account_number,
    validate_account_number,
)
from tests.subsidies.payments.helpers import card, with_luhn


def test_the_luhn_digit_of_known_numbers():
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert not luhn_ok("12a4")


def test_a_one_card_number_needs_16_to_19_digits_and_a_right_check_digit():
    good = card(1)
    assert validate_account_number("one_card", good) == good
    assert validate_account_number("one_card", f"{good[:4]} {good[4:8]}-{good[8:]}") == good
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match="“账号”的校验位不正确"):
        validate_account_number("one_card", wrong)
    with pytest.raises(ValidationError, match="“账号”应为 16 至 19 位数字，现为 15 位"):
        validate_account_number("one_card", with_luhn("62170000000001"))
    with pytest.raises(ValidationError, match="“账号”只能包含数字"):
        validate_account_number("one_card", "6217ABCD00000000001")
    with pytest.raises(ValidationError, match="“账号”不能为空"):
        validate_account_number("one_card", "  ")


def test_a_bank_account_is_checked_by_length_and_by_luhn_only_when_it_is_a_unionpay_card():
    assert validate_account_number("bank", "37030201234567") == "37030201234567"  # passbook
    with pytest.raises(ValidationError, match="应为 8 至 30 位数字，现为 7 位"):
        validate_account_number("bank", "1234567")
    good = card(5)
    assert validate_account_number("bank", good) == good
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(ValidationError, match="校验位不正确"):
        validate_account_number("bank", wrong)


def test_the_message_names_the_field_it_is_given():
    with pytest.raises(ValidationError, match="“收款账号”只能包含数字"):
        validate_account_number("bank", "12-34x", "收款账号")


def test_numbers_from_excel_and_masking():
    assert normalise_account_number(6217000012345678.0) == "6217000012345678"
    assert mask_account_number("6217000012345678901") == "6217***********8901"
    assert mask_account_number("1234567") == "*******"
    assert mask_account_number("") == ""
