"""ID number and phone validators, with Hypothesis for the GB 11643 rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from tasks.validators import (
    id_check_char,
    mask_id_number,
    normalise_id_number,
    normalise_phone,
    validate_id_number,
    validate_phone,
)

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}

birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today())
regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
serials = st.from_regex(r"[0-9]{3}", fullmatch=True)


@st.composite
def valid_ids(draw) -> str:
    body = draw(regions) + draw(birth_dates).strftime("%Y%m%d") + draw(serials)
    return body + id_check_char(body)


def code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.code


@given(valid_ids())
def test_a_valid_id_passes(number):
    validate_id_number(number)


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_random_17_digits_with_their_check_char_pass_when_the_date_is_real(body):
    try:
        born = datetime.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
        real = born.year >= 1900 and born <= datetime.date.today()
    except ValueError:
        real = False
    if real:
        validate_id_number(body + id_check_char(body))
    else:
        with pytest.raises(ValidationError) as exc:
            validate_id_number(body + id_check_char(body))
        assert code(exc) == "id_birth"


@given(valid_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_fails(number, position, replacement):
    assume(number[position] != replacement)
    assume(position == 17 or replacement != "X")
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError) as exc:
        validate_id_number(changed)
    assert code(exc) in {"id_checksum", "id_birth"}


@given(valid_ids())
def test_full_width_and_lowercase_x_are_normalised(number):
    typed = number.translate(FULL_WIDTH).replace("Ｘ", "x")
    assert normalise_id_number(f" {typed} ") == number
    validate_id_number(typed)


@given(valid_ids())
def test_mask_shows_region_and_last_four_only(number):
    masked = mask_id_number(number)
    assert masked == number[:6] + "********" + number[-4:]
    assert len(masked) == 18


def test_mask_example_from_the_issue():
    assert mask_id_number("37030219800101123X") == "370302********123X"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3703021980010112", "id_length"),
        ("37030219800101123A", "id_format"),
        ("370302" + "19800230" + "123" + "X", "id_birth"),  # 30 February
        ("370302" + "18990101" + "123" + "X", "id_birth"),  # before 1900
        ("370302" + "29990101" + "123" + "X", "id_birth"),  # in the future
    ],
)
def test_invalid_ids_fail_with_a_reason(value, expected):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert code(exc) == expected


def test_invalid_birth_date_message_is_chinese():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("370302198002301230")
    assert exc.value.messages == ["身份证号中的出生日期无效。"]


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_mobiles_pass(phone):
    validate_phone(phone)
    validate_phone(phone.translate(FULL_WIDTH))


@pytest.mark.parametrize(
    "phone", ["0533-5181234", "05335181234", "010-12345678", "+86 139 0533 1234", "13905331234.0"]
)
def test_landlines_and_typed_forms_pass(phone):
    validate_phone(phone)


def test_phone_normalisation():
    assert normalise_phone(" +86 139（0533）1234 ") == "13905331234"
    assert normalise_phone("13905331234.0") == "13905331234"


@pytest.mark.parametrize("phone", ["12345678901", "1390533123", "5181234", "0533-51812", "abc"])
def test_bad_phones_fail_with_a_chinese_message(phone):
    with pytest.raises(ValidationError) as exc:
        validate_phone(phone)
    assert exc.value.messages == ["联系电话应为11位手机号，或带区号的固定电话（如 0533-5181234）。"]
