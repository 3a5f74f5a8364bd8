"""The one money format: thousands separators, two decimals, 元; exact on Decimal."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from zichuan_heating.templatetags.money import format_amount, format_yuan


@pytest.mark.parametrize(
    "value, text",
    [
        (Decimal("134400"), "134,400.00 元"),
        (Decimal("134400.00"), "134,400.00 元"),
        (75000, "75,000.00 元"),
        ("75000", "75,000.00 元"),
        (Decimal("1234567.89"), "1,234,567.89 元"),
        (Decimal("999.5"), "999.50 元"),
        # Decimal-exact: digits a float would lose are kept, then rounded once to the fen.
        (Decimal("12345678901234567.89"), "12,345,678,901,234,567.89 元"),
        (Decimal("0.005"), "0.01 元"),
        (Decimal("2.675"), "2.68 元"),  # a float 2.675 is 2.67499999…
        (Decimal("-1234.5"), "-1,234.50 元"),
        (Decimal("-0.004"), "0.00 元"),  # no "-0.00"
        (Decimal("0"), "0.00 元"),
        (0, "0.00 元"),
        (Decimal("0.00"), "0.00 元"),
        (None, "—"),
        ("", "—"),
        ("abc", "—"),
        (Decimal("NaN"), "—"),
    ],
)
def test_yuan(value, text):
    assert format_yuan(value) == text


def test_amount_is_the_same_figure_without_the_unit():
    assert format_amount(Decimal("134400")) == "134,400.00"
    assert format_amount(Decimal("-5")) == "-5.00"
    assert format_amount(None) == "—"


def test_a_float_goes_through_its_shortest_repr():
    assert format_yuan(0.1) == "0.10 元"
    assert format_yuan(2.675) == "2.68 元"


def test_the_filters_in_a_template_whatever_the_language():
    template = Template("{% load money %}{{ a|yuan }}|{{ b|amount }}|{{ c|yuan }}")
    context = Context({"a": Decimal("134400.00"), "b": Decimal("-75000"), "c": None})
    assert template.render(context) == "134,400.00 元|-75,000.00|—"
    with translation.override("en"):
        assert template.render(context).split("|")[1] == "-75,000.00"


def test_subsidy_tags_give_the_same_format():
    template = Template("{% load subsidy_tags %}{{ a|yuan }}")
    assert template.render(Context({"a": Decimal("22400")})) == "22,400.00 元"


def test_english_says_cny():
    with translation.override("en"):
        assert format_yuan(Decimal("134400")) == "CNY 134,400.00"
