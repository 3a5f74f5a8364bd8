"""What every subsidies model shares."""

MONEY = {"max_digits": 12, "decimal_places": 2}
