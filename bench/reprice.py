"""Benchmark: 100,000 season instalments re-priced on readings (target ≤ 10 s), beside its floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_meters python -m bench.reprice

Uses bench.readings_import's households, meters and readings (`--reuse` keeps them). Every
operating instalment of the season is set stale (amount 0) by SQL, then
`subsidies.metering.repricing.reprice_season` prices all of them on the readings in one
transaction (locks, usage per household, money rule per row, bulk write, lines follow). The
floor is the same change bare: one UPDATE … FROM computing LEAST(rate × usage, cap) in SQL.
"""

import argparse
import time

from bench.readings_import import SEASON


def stale() -> int:
    from subsidies.models import Instalment

    return Instalment.objects.filter(item="operating", season=SEASON).update(
        amount=0, previous_amount=None
    )


def floor() -> tuple[float, int]:
    from django.db import connection, transaction

    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            "UPDATE subsidies_instalment i SET amount = LEAST(ROUND(u.usage * s.operating_unit_rate"
            ", 2), COALESCE(s.operating_cap, 1e10)), previous_amount = i.amount "
            "FROM (SELECT m.household_id, SUM(r.usage) AS usage FROM subsidies_meterreading r "
            "JOIN subsidies_meter m ON m.id = r.meter_id WHERE r.season = %s "
            "GROUP BY m.household_id) u, subsidies_subsidystandard s "
            "WHERE i.household_id = u.household_id AND i.item = 'operating' AND i.season = %s "
            "AND s.id = i.standard_id",
            [SEASON, SEASON],
        )
        n = c.rowcount
    return time.perf_counter() - t, n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep bench.readings_import's data")
    args = parser.parse_args(argv)
    from bench.subsidy_schedules import setup_django

    setup_django()
    from django.db import transaction

    from subsidies.metering.models import Meter, MeterReading
    from subsidies.metering.repricing import reprice_season
    from tasks.models import Programme

    if not (args.reuse and MeterReading.objects.filter(season=SEASON).count() == args.n):
        from bench import readings_import

        if Meter.objects.count() != args.n:
            readings_import.setup(args.n)
        path = readings_import.Path("var/bench")
        path.mkdir(parents=True, exist_ok=True)
        readings_import.write_csv(path / "readings.csv", readings_import.reading_rows())
        readings_import.timed_import(path / "readings.csv")
    programme = Programme.objects.get(year=2021)
    print(f"stale instalments: {stale()}")
    t = time.perf_counter()
    with transaction.atomic():
        result = reprice_season(programme=programme, season=SEASON)
    seconds = time.perf_counter() - t
    print(f"reprice_season: {result.repriced} instalments re-priced in {seconds:.1f} s")
    stale()
    bare, n = floor()
    print(f"floor (one UPDATE … FROM in SQL, {n} rows): {bare:.2f} s")
    print(f"TARGET ≤ 10 s: {'OK' if seconds <= 10 else 'MISSED'} ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
