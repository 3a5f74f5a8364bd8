"""Benchmark: 100,000 season readings imported (target ≤ 15 s), beside its floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_meters python -m bench.readings_import

Sets up N accepted gas and electric households (COPY, via bench.subsidy_schedules), their
schedules and one meter each (COPY), writes a csv and an xlsx of one reading per meter, then
times `manage.py import_meter_readings`'s code path (read, check every row, write all,
re-price the season's 100,000 instalments, raise flags) on the csv, the same file again
(idempotent: all unchanged), and the xlsx of changed readings (all updated). The floor is the
same rows bare: COPY of the csv's values into an unlogged table with the same columns.
"""

import argparse
import csv
import datetime
import random
import time
from pathlib import Path

SEASON = "2021-2022"
HEADERS = ["表号（户号）", "身份证号", "采暖季", "起始读数", "截止读数", "用量", "抄表日期"]


def setup(n: int) -> None:
    """N accepted gas/electric households with schedules and a meter each."""
    from django.db import connection, transaction

    from bench.subsidy_schedules import insert_households, prepare_database
    from subsidies.metering.models import Meter, Utility
    from subsidies.services import schedules_generate
    from tasks.models import EquipmentModel, Household, Programme

    prepare_database()
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE subsidies_adjustment, subsidies_historicaladjustment, "
            "subsidies_usageflag, subsidies_historicalusageflag, subsidies_meterreading, "
            "subsidies_readingimport, subsidies_meter, subsidies_historicalmeter CASCADE"
        )
    secs = insert_households(n)
    gas = EquipmentModel.objects.get(model="BENCH-gas")
    Household.objects.filter(route="central").update(route="gas", equipment=gas)
    programme = Programme.objects.get(year=2021)
    t = time.perf_counter()
    schedules_generate(programme=programme)
    print(f"setup: {n} households (COPY) {secs:.1f} s, schedules {time.perf_counter() - t:.1f} s")
    utilities = {
        kind: Utility.objects.get_or_create(name=f"基准{kind}", defaults={"kind": kind})[0]
        for kind in ("gas", "electric")
    }
    # Read before the COPY starts: the connection runs no other query during a COPY.
    rows = list(
        Household.objects.filter(programme=programme).order_by("id").values_list("id", "route")
    )
    cols = "household_id, programme_id, kind, number, utility_id"
    with transaction.atomic(), connection.cursor() as c:
        with c.cursor.copy(f"COPY {Meter._meta.db_table} ({cols}) FROM STDIN") as cp:
            for hid, route in rows:
                cp.write_row((hid, programme.pk, route, f"M{hid:09d}", utilities[route].pk))
        c.execute(f"ANALYZE {Meter._meta.db_table}")


def reading_rows(bump: int = 0) -> list[list]:
    from subsidies.metering.models import Meter

    rng = random.Random(14 + bump)
    rows = []
    for number, kind in Meter.objects.order_by("id").values_list("number", "kind"):
        start = rng.randint(0, 50_000)
        usage = rng.randint(600, 1300) if kind == "gas" else rng.randint(2500, 5500)
        rows.append([number, "", SEASON, start, start + usage + bump, "", "2022-03-20"])
    return rows


def write_csv(path: Path, rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(rows)


def write_xlsx(path: Path, rows: list[list]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("抄表数据")
    ws.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    wb.close()


def timed_import(path: Path) -> tuple[float, dict]:
    from subsidies.metering.services import readings_import_file
    from tasks.models import Programme

    programme = Programme.objects.get(year=2021)
    t = time.perf_counter()
    outcome = readings_import_file(path=path, programme=programme, season=SEASON)
    seconds = time.perf_counter() - t
    assert not outcome.errors, outcome.errors[:3]
    counts = outcome.as_dict()
    counts.pop("errors")
    if outcome.record:
        counts["repriced"] = outcome.record.repriced
        counts["flags"] = outcome.record.flags
    return seconds, counts


def floor(rows: list[list]) -> float:
    """The same rows bare: COPY into an unlogged table of the reading columns."""
    from django.db import connection, transaction

    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_reading_floor (number varchar(32), "
            'season varchar(9), start numeric(12, 2), "end" numeric(12, 2), '
            "usage numeric(12, 2), read_on date)"
        )
        c.execute("TRUNCATE bench_reading_floor")
        read_on = datetime.date(2022, 3, 20)
        with c.cursor.copy("COPY bench_reading_floor FROM STDIN") as cp:
            for number, _id, season, start, end, _u, _d in rows:
                cp.write_row((number, season, start, end, end - start, read_on))
    seconds = time.perf_counter() - t
    with connection.cursor() as c:
        c.execute("DROP TABLE bench_reading_floor")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep households, meters, schedules")
    args = parser.parse_args(argv)
    from bench.subsidy_schedules import setup_django

    setup_django()
    from django.db import connection

    from subsidies.metering.models import Meter

    if not (args.reuse and Meter.objects.count() == args.n):
        setup(args.n)
    else:
        with connection.cursor() as c:
            c.execute("TRUNCATE subsidies_meterreading, subsidies_readingimport CASCADE")
    workdir = Path("var/bench")
    workdir.mkdir(parents=True, exist_ok=True)
    rows = reading_rows()
    write_csv(workdir / "readings.csv", rows)
    changed = reading_rows(bump=1)
    write_xlsx(workdir / "readings.xlsx", changed)
    # As before any reading arrived: the season's amounts are not the metered ones yet.
    from bench.reprice import stale

    stale()
    first, counts = timed_import(workdir / "readings.csv")
    print(f"csv, {len(rows)} new readings: {first:.1f} s {counts}")
    again, counts2 = timed_import(workdir / "readings.csv")
    print(f"csv again (idempotent): {again:.1f} s {counts2}")
    xlsx, counts3 = timed_import(workdir / "readings.xlsx")
    print(f"xlsx, {len(rows)} changed readings: {xlsx:.1f} s {counts3}")
    bare = floor(rows)
    print(f"floor (COPY of the same rows into a bare table): {bare:.2f} s")
    print(
        f"TARGET ≤ 15 s: {'OK' if first <= 15 else 'MISSED'} (csv {first:.1f} s, xlsx {xlsx:.1f} s)"
    )


if __name__ == "__main__":
    main()
