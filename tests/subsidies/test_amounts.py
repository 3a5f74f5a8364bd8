"""Amount rules: exact Decimals, rounded once to the fen with ROUND_HALF_UP, caps applied."""

from decimal import Decimal

import pytest

from subsidies.models import Instalment
from subsidies.money import rate_with_cap, to_fen
from subsidies.pricing import equipment_amount, operating_amount
from subsidies.services import schedule_generate


def test_half_a_fen_rounds_up():
    assert to_fen(Decimal("0.005")) == Decimal("0.01")
    assert to_fen(Decimal("2.675")) == Decimal("2.68")
    assert to_fen(Decimal("2.6749")) == Decimal("2.67")


def test_floats_are_refused_as_money():
    with pytest.raises(TypeError):
        to_fen(0.1)


def test_rate_is_capped_before_rounding():
    assert rate_with_cap(Decimal("4200.00"), Decimal("0.7"), Decimal("2800.00")) == Decimal(
        "2800.00"
    )
    assert rate_with_cap(Decimal("3333.33"), Decimal("0.7"), Decimal("2800.00")) == Decimal(
        "2333.33"
    )
    # 1234.57 × 0.35 = 432.0995 → 432.10 (one rounding, at the end)
    assert rate_with_cap(Decimal("1234.57"), Decimal("0.35"), None) == Decimal("432.10")


def test_example_standards_give_exact_amounts(standards):
    assert equipment_amount(standards["gas"], Decimal("3999.99")) == Decimal("2799.99")
    assert equipment_amount(standards["gas"], Decimal("4000.01")) == Decimal("2800.00")
    assert equipment_amount(standards["gas"], Decimal("3000.05")) == Decimal("2100.04")
    assert equipment_amount(standards["gas"], None) == Decimal("0.00")
    assert operating_amount(standards["gas"]) == Decimal("900.00")  # 1200 m³ × 1.00, cap 900
    assert operating_amount(standards["electric"]) == Decimal("600.00")  # 4000 × 0.2 = 800 → 600
    assert operating_amount(standards["central"]) == Decimal("600.00")


def test_shipped_standards_are_labelled_examples(standards):
    assert {s.is_example for s in standards.values()} == {True}
    assert all("示例" in s.notes for s in standards.values())


def test_a_gas_household_gets_construction_equipment_and_six_seasons(make_accepted, town_a):
    h = make_accepted(town_a)
    assert schedule_generate(household=h) == 8
    rows = list(
        Instalment.objects.filter(household=h)
        .order_by("item", "season")
        .values_list("item", "season", "amount", "status")
    )
    assert rows == [
        ("construction", "", Decimal("3000.00"), "scheduled"),
        ("equipment", "", Decimal("2800.00"), "scheduled"),
        *[("operating", f"{y}-{y + 1}", Decimal("900.00"), "scheduled") for y in range(2021, 2027)],
    ]
