"""The one money format of every page and PDF: `{{ value|yuan }}` → "134,400.00 元".

Thousands separators and two decimals whatever the language (zh-hans groups no digits),
exact on `Decimal` (rounded once to the fen, half away from zero, never through float).
`{{ value|amount }}` is the same figure without the unit, for texts that already say 元.
Exports keep numeric cells and never use this.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()

FEN = Decimal("0.01")
#: What a missing amount shows.
NO_AMOUNT = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        # A float goes through its shortest repr, so 0.1 stays 0.1 and not 0.1000000000000000055.
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def format_amount(value: Any) -> str:
    """'134,400.00', '-1,234.50', '0.00'; '—' for None or what is not a number."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return NO_AMOUNT
    fen = number.quantize(FEN, rounding=ROUND_HALF_UP)
    if fen == 0:
        fen = abs(fen)  # no "-0.00"
    return f"{fen:,.2f}"


def format_yuan(value: Any) -> str:
    """'134,400.00 元'; '—' for None."""
    text = format_amount(value)
    if text == NO_AMOUNT:
        return text
    return _("%(amount)s 元") % {"amount": text}


@register.filter
def yuan(value: Any) -> str:
    return format_yuan(value)


@register.filter
def amount(value: Any) -> str:
    return format_amount(value)
