"""The one money rule of the subsidies app.

Every amount is a `Decimal` in yuan. A computed amount is worked out exactly (rate × price,
rate × units), capped, and only then rounded ONCE to the fen (0.01 yuan) with ROUND_HALF_UP
(half a fen rounds away from zero, as finance staff round by hand). Never `float`; sums of
already-rounded amounts need no further rounding.
"""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value: Decimal | int | str) -> Decimal:
    """Round to the fen with ROUND_HALF_UP. Refuses floats: they are not money."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def rate_with_cap(base: Decimal, rate: Decimal, cap: Decimal | None) -> Decimal:
    """base × rate, capped at cap (None: no cap), then rounded once to the fen."""
    if base is None or rate is None:
        return ZERO
    exact = Decimal(base) * Decimal(rate)
    if cap is not None and exact > cap:
        exact = Decimal(cap)
    return to_fen(max(exact, Decimal(0)))


def rate_with_floor_and_cap(
    base: Decimal, rate: Decimal, cap: Decimal | None, floor: Decimal | None
) -> Decimal:
    """max(min(base × rate, cap), floor), rounded once to the fen (None: no cap / no floor)."""
    if base is None or rate is None:
        return ZERO
    exact = Decimal(base) * Decimal(rate)
    if cap is not None and exact > cap:
        exact = Decimal(cap)
    if floor is not None and exact < floor:
        exact = Decimal(floor)
    return to_fen(max(exact, Decimal(0)))
