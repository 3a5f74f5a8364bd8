"""The benchmark data generator makes realistic, valid and unique households."""

import re
from collections import Counter

from bench.generate import TOWNS, households, id_number
from tasks.validators import validate_id_number, validate_phone


def test_generated_households_are_valid_and_unique():
    rows = list(households(5000, seed=7))
    ids = [r.id_number for r in rows]
    assert len(set(ids)) == 5000
    for row in rows[:500]:
        validate_id_number(row.id_number)
        validate_phone(row.phone)
        assert row.id_number.startswith("370302")
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", row.head_name)
        assert row.route in {"central", "gas", "electric"}
    towns = Counter(r.town_code for r in rows)
    assert set(towns) == {code for code, _, _ in TOWNS}
    # Spread follows the quotas: 昆仑镇 (500) gets many more than 双杨镇 (30).
    assert towns["kunlun"] > 5 * towns["shuangyang"]


def test_generation_is_deterministic_for_a_seed():
    assert [r.id_number for r in households(50, seed=3)] == [
        r.id_number for r in households(50, seed=3)
    ]


def test_id_number_check_character():
    import datetime

    assert id_number(2, datetime.date(1949, 12, 31), prefix="110105") == "11010519491231002X"


def test_ids_drawn_one_at_a_time_are_the_same_as_the_list():
    from bench.generate import iter_unique_id_numbers, unique_id_numbers

    drawn = iter_unique_id_numbers(200_000, seed=42)
    assert [next(drawn) for _ in range(300)] == unique_id_numbers(300, seed=42)
