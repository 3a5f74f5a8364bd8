"""The one rule for payment account numbers: digits only, a length per kind, the Luhn digit
where it applies. Messages are Chinese and name the field."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: 惠民惠农一卡通 are UnionPay debit cards: 16 to 19 digits with a Luhn check digit.
ONE_CARD_LENGTHS = range(16, 20)
#: A bank account (card or passbook/settlement account): 8 to 30 digits.
BANK_LENGTHS = range(8, 31)
_SPACES = re.compile(r"[\s\-]")


def normalise_account_number(value: object) -> str:
    """What people type (spaces, dashes, a number Excel turned into a float) → digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub("", str(value if value is not None else "")).strip()


def luhn_ok(number: str) -> bool:
    """The Luhn (mod 10) check digit, as bank cards carry it."""
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_applies(kind: str, number: str) -> bool:
    """The one-card always carries a Luhn digit; a bank account only when it is a UnionPay
    card number (starting 62, 16 to 19 digits). Passbook and settlement accounts have none."""
    if kind == "one_card":
        return True
    return number.startswith("62") and len(number) in ONE_CARD_LENGTHS


def validate_account_number(kind: str, value: object, field: str | None = None) -> str:
    """The cleaned number, or a ValidationError naming the field."""
    label = field or _("账号")
    number = normalise_account_number(value)
    if not number:
        raise ValidationError(_("“%(f)s”不能为空。") % {"f": label}, code="required")
    if not number.isdigit():
        raise ValidationError(_("“%(f)s”只能包含数字。") % {"f": label}, code="digits")
    lengths = ONE_CARD_LENGTHS if kind == "one_card" else BANK_LENGTHS
    if len(number) not in lengths:
        raise ValidationError(
            _("“%(f)s”应为 %(a)s 至 %(b)s 位数字，现为 %(n)s 位。")
            % {"f": label, "a": lengths.start, "b": lengths.stop - 1, "n": len(number)},
            code="length",
        )
    if luhn_applies(kind, number) and not luhn_ok(number):
        raise ValidationError(_("“%(f)s”的校验位不正确，请核对卡号。") % {"f": label}, code="luhn")
    return number


def mask_account_number(value: str) -> str:
    """6217********1234: the first and last four digits shown, the rest hidden."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
