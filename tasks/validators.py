"""Field validators and normalisers for the ledger: resident ID numbers and phones."""

import datetime
import operator
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_WEIGHTS_OFFSET = ord("0") * sum(_WEIGHTS)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"\d{17}[\dX]")


def normalise_text(value: object) -> str:
    """Full-width to half-width (NFKC), control characters dropped, spaces trimmed."""
    if value is None:
        return ""
    text = str(value)
    if text.isascii() and text.isprintable():  # the common case, without a pass per character
        return text.strip()
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def normalise_id_number(value: object) -> str:
    text = normalise_text(value).replace(" ", "").replace("-", "")
    return text.upper()


def id_check_char(first17: str) -> str:
    """GB 11643 check character of 17 digits (weighted sum of the digits' codes, at C speed)."""
    if len(first17) != 17:
        raise ValueError("17 digits expected")
    total = sum(map(operator.mul, first17.encode("ascii"), _WEIGHTS)) - _WEIGHTS_OFFSET
    return _CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """GB 11643: 18 characters, a real birth date, the right check character.

    An unknown region code is not an error here (the region table lags behind reality).
    """
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号应为18位，当前为%(n)d位。") % {"n": len(number)}, code="id_length"
        )
    if not _ID_RE.fullmatch(number):
        raise ValidationError(_("身份证号只能包含数字，最后一位可以是X。"), code="id_format")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth") from None
    if born.year < 1900 or born > datetime.date.today():
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="id_checksum")


def id_region_known(value: str) -> bool:
    """False when python-stdnum does not know the region code: a warning, not an error."""
    try:
        ric.validate(normalise_id_number(value))
    except InvalidComponent:
        return False
    except (InvalidChecksum, InvalidFormat, InvalidLength):
        return True
    return True


def mask_id_number(value: str) -> str:
    """370302********123X: region shown, birth date and sequence hidden."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_PHONE_JUNK = re.compile(r"[\s()（）]")


def normalise_phone(value: object) -> str:
    text = normalise_text(value)
    text = _PHONE_JUNK.sub("", text)
    if text.startswith("+86"):
        text = text[3:]
    if text.endswith(".0") and text[:-2].isdigit():  # a number typed into Excel
        text = text[:-2]
    return text


def is_mobile(phone: str) -> bool:
    """An 11-digit mainland mobile number (already normalised)."""
    return _MOBILE.fullmatch(phone) is not None


def is_phone(phone: str) -> bool:
    """A mobile number or a landline with its area code (already normalised)."""
    return _MOBILE.fullmatch(phone) is not None or _LANDLINE.fullmatch(phone) is not None


def validate_phone(value: str) -> None:
    if is_phone(normalise_phone(value)):
        return
    raise ValidationError(
        _("联系电话应为11位手机号，或带区号的固定电话（如 0533-5181234）。"), code="phone"
    )
