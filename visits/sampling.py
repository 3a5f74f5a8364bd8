"""How many households to visit and which: the sample size by the standard formula, its
allocation to towns, and a draw reproducible from a seed. Pure functions, no database.

n0 = z²·p(1−p)/e² with p = 0.5 (the most cautious proportion), then the finite-population
correction n = n0 / (1 + (n0 − 1)/N), rounded up (never more than N).
"""

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import NormalDist

P = 0.5


def z_score(confidence: float | Decimal) -> float:
    """The two-sided normal quantile: 1.959964 for 95 %."""
    return NormalDist().inv_cdf(0.5 + float(confidence) / 2)


def sample_size(population: int, confidence: float | Decimal, margin: float | Decimal) -> int:
    if population <= 0:
        return 0
    z, e = z_score(confidence), float(margin)
    n0 = z * z * P * (1 - P) / (e * e)
    n = n0 / (1 + (n0 - 1) / population)
    # Rounded to 9 places first: 1.0000000000000002 households is one household, not two.
    return min(population, math.ceil(round(n, 9)))


def allocate(populations: Mapping[int, int], total: int) -> dict[int, int]:
    """Split `total` among towns in proportion to their populations, at least one per town
    with any household, by largest remainder so the parts add up to `total` (or to the number
    of towns, when that is larger). Ties go to the larger town, then the smaller key."""
    towns = {k: n for k, n in populations.items() if n > 0}
    if not towns:
        return {}
    whole = sum(towns.values())
    total = max(min(total, whole), len(towns))
    quota = {k: total * n / whole for k, n in towns.items()}
    parts = {k: min(towns[k], max(1, math.floor(q))) for k, q in quota.items()}
    order = sorted(towns, key=lambda k: (-(quota[k] - math.floor(quota[k])), -towns[k], k))
    while sum(parts.values()) < total:
        for k in order:
            if sum(parts.values()) == total:
                break
            if parts[k] < towns[k]:
                parts[k] += 1
    while sum(parts.values()) > total:
        # Only the minimum of one can push the sum over: take back from the most over quota.
        k = max((k for k in parts if parts[k] > 1), key=lambda k: (parts[k] - quota[k], -k))
        parts[k] -= 1
    return parts


@dataclass
class TownDraw:
    town_id: int
    population: int
    households: list[int] = field(default_factory=list)


def draw(
    households_by_town: Mapping[int, Sequence[int]], sizes: Mapping[int, int], seed: int
) -> list[TownDraw]:
    """Which households: towns in the given order, each town's ids sorted, one generator
    seeded once, so the same seed over the same paid households draws the same ids."""
    rng = random.Random(seed)
    out = []
    for town_id, ids in households_by_town.items():
        ordered = sorted(ids)
        chosen = sorted(rng.sample(ordered, sizes.get(town_id, 0)))
        out.append(TownDraw(town_id, len(ordered), chosen))
    return out
