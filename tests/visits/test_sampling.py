"""The sample size against the formula, its allocation to towns, and a reproducible draw."""

import json
import math
from io import StringIO
from statistics import NormalDist

import pytest
from django.core.management import call_command

from visits import sampling
from visits.queries import draw_plan


def formula(N: int, confidence: float, margin: float) -> int:
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z**2 * 0.5 * 0.5 / margin**2
    return min(N, math.ceil(round(n0 / (1 + (n0 - 1) / N), 9)))


@pytest.mark.parametrize(
    ("N", "expected"), [(1, 1), (10, 10), (100, 80), (2198, 328), (1_000_000, 384)]
)
def test_the_sample_size_is_the_formula_with_the_finite_population_correction(N, expected):
    assert sampling.sample_size(N, 0.95, 0.05) == expected == formula(N, 0.95, 0.05)


@pytest.mark.parametrize("N", [1, 10, 100, 2198, 1_000_000])
@pytest.mark.parametrize(("c", "e"), [(0.90, 0.05), (0.99, 0.03), (0.95, 0.10)])
def test_the_sample_size_matches_the_formula_for_other_confidences_and_margins(N, c, e):
    assert sampling.sample_size(N, c, e) == formula(N, c, e)


def test_an_empty_population_draws_nobody():
    assert sampling.sample_size(0, 0.95, 0.05) == 0
    assert sampling.allocate({}, 10) == {}


def test_allocation_adds_up_to_the_sample_and_gives_every_town_at_least_one():
    quota = {1: 200, 2: 458, 3: 500, 4: 30, 5: 200, 6: 300, 7: 200, 8: 150, 9: 160}
    total = sampling.sample_size(sum(quota.values()), 0.95, 0.05)
    parts = sampling.allocate(quota, total)
    assert sum(parts.values()) == total == 328
    assert all(parts[k] >= 1 for k in quota)
    # In proportion: every part within one household of its exact quota.
    assert all(abs(parts[k] - total * n / 2198) < 1 for k, n in quota.items())


def test_a_tiny_town_still_gets_one_and_the_total_still_holds():
    parts = sampling.allocate({1: 10_000, 2: 1, 3: 2}, 20)
    assert parts[2] == 1 and parts[3] == 1
    assert sum(parts.values()) == 20


def test_more_towns_than_the_sample_gives_one_each():
    assert sampling.allocate({1: 5, 2: 5, 3: 5}, 2) == {1: 1, 2: 1, 3: 1}


def test_a_town_never_gets_more_than_it_has():
    parts = sampling.allocate({1: 3, 2: 1000}, 500)
    assert parts[1] <= 3 and sum(parts.values()) == 500


def test_the_same_seed_draws_the_same_households_and_another_seed_others():
    population = {1: list(range(100, 400)), 2: list(range(900, 960))}
    sizes = {1: 30, 2: 6}
    first = sampling.draw(population, sizes, 7)
    again = sampling.draw({1: list(reversed(population[1])), 2: population[2]}, sizes, 7)
    other = sampling.draw(population, sizes, 8)
    assert [d.households for d in first] == [d.households for d in again]
    assert [d.households for d in first] != [d.households for d in other]
    assert [len(d.households) for d in first] == [30, 6]


@pytest.mark.django_db
def test_the_command_prints_the_draw_as_json_and_repeats_it_with_the_seed(pay, town_a, town_b):
    pay(town_a, 30)
    pay(town_b, 5)
    pay(town_a, 3, season="2024-2025")

    def run(seed):
        out = StringIO()
        call_command(
            "draw_visit_sample",
            "--season=2025-2026",
            "--confidence=0.95",
            "--margin=0.05",
            f"--seed={seed}",
            "--json",
            stdout=out,
        )
        return json.loads(out.getvalue())

    result = run(7)
    assert result["season"] == "2025-2026"
    assert result["population"] == 35
    assert result["sample"] == formula(35, 0.95, 0.05) == 33
    assert [(t["town"], t["population"]) for t in result["towns"]] == [
        ("洪山镇", 30),
        ("昆仑镇", 5),
    ]
    assert sum(t["sample"] for t in result["towns"]) == 33
    assert all(len(t["households"]) == t["sample"] for t in result["towns"])
    assert run(7) == result
    assert draw_plan(season="2025-2026", confidence=0.95, margin=0.05, seed=7).as_dict() == result
