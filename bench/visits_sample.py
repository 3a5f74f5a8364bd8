"""Benchmark: the visit sample's arithmetic and draw over N paid households in 9 towns.

    python -m bench.visits_sample [N ...]      (default 2198 100000 1000000)

Prints, per N, the project's figure (size by the formula, allocation to towns by largest
remainder, the seeded draw in each town) beside its floor: one `random.Random(seed).sample`
of the same total over all ids, the least any seeded draw must do. No database.
"""

import random
import sys
import time

from visits import sampling

QUOTA = (200, 458, 500, 30, 200, 300, 200, 150, 160)  # the 2021 task table's shares


def population(n: int) -> dict[int, list[int]]:
    total = sum(QUOTA)
    out, start = {}, 1
    for town, q in enumerate(QUOTA, start=1):
        size = n * q // total if town < len(QUOTA) else n - (start - 1)
        out[town] = list(range(start, start + size))
        start += size
    return out


def best_of(fn, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def project(n: int, towns: dict[int, list[int]]) -> list:
    size = sampling.sample_size(n, 0.95, 0.05)
    parts = sampling.allocate({t: len(ids) for t, ids in towns.items()}, size)
    return sampling.draw(towns, parts, 7)


def main(sizes: list[int]) -> None:
    print(f"{'N':>10} {'sample':>7} {'project ms':>11} {'floor ms':>9}")
    for n in sizes:
        towns = population(n)
        every = [h for ids in towns.values() for h in ids]
        drawn = sum(len(d.households) for d in project(n, towns))
        mine = best_of(lambda n=n, towns=towns: project(n, towns))
        bare = best_of(lambda every=every, drawn=drawn: random.Random(7).sample(every, drawn))
        print(f"{n:>10,} {drawn:>7} {mine * 1000:>11.2f} {bare * 1000:>9.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2198, 100_000, 1_000_000])
