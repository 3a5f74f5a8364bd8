"""Benchmark of the ledger import: a valid 100,000-row file validated and committed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_ledgerio python -m bench.ledger_import

Generates the file (bench.generate, template columns), migrates and prepares the database
(programme, towns, villages, the example catalogue, approved plans), then times
1. the full path the browser uses (`tasks.ledger.importing.import_ledger`: file checks, validation,
   preview, bulk commit with history, the commit's deferred constraint checks), with peak memory,
2. a bare python-calamine read of the sheet (how much of it is only reading the file),
3. a re-import of the same file (everything unchanged, nothing written),
4. the floor: the very rows the import wrote (households and their history rows, dumped with
   binary COPY TO) COPY'd back into the real tables, emptied and vacuumed as before the import,
   with all their indexes, constraints and triggers, the deferred constraints checked, then
   rolled back;
5. optionally (`--resource N`) django-import-export's row-by-row path on the first N rows.
Step 1 and 4 start from the same state (empty, vacuumed tables); the table at the end prints
the import beside the floor.
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--file", default="var/bench/ledger-100k.xlsx")
    parser.add_argument("--resource", type=int, default=0, help="also time import-export on N rows")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations")
    parser.add_argument("--keep", action="store_true", help="keep the households afterwards")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench.generate import households, write_ledger_xlsx

    path = Path(args.file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        write_ledger_xlsx(str(path), households(args.rows, seed=7))
        print(f"generated {args.rows} rows -> {path} in {time.perf_counter() - t:.1f} s")
    db = settings.DATABASES["default"]
    print(f"database: {db['ENGINE']} {db['NAME']}")
    print(f"file: {path} {path.stat().st_size / 1e6:.1f} MB")

    call_command("migrate", verbosity=0)
    programme = prepare()

    from tasks.ledger.importing import Scope, import_ledger
    from tasks.models import Household

    clear()
    vacuum()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.tracemalloc:
        tracemalloc.start()  # slows Python code down a lot: only for the memory figure
    t = time.perf_counter()
    outcome = import_ledger(path, programme=programme, scope=Scope(None))
    full = time.perf_counter() - t
    peak_traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else 0
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The floor, measured after the import so the import's peak RSS is its own.
    import python_calamine

    t = time.perf_counter()
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("台账")
    cells = sheet.to_python()
    floor = time.perf_counter() - t
    print(f"calamine floor: {floor:.2f} s ({len(cells) - 1} data rows)")
    del cells, sheet

    errors = outcome.errors[:3]
    print(
        f"import: {full:.2f} s, created {outcome.created}, updated {outcome.updated}, "
        f"unchanged {outcome.unchanged}, errors {len(outcome.errors)} {errors}"
    )
    print(
        f"  peak RSS {rss:.0f} MB (process before import {rss_before:.0f} MB)"
        + (f", peak traced Python memory {peak_traced / 1e6:.0f} MB" if peak_traced else "")
    )
    print("  phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in outcome.plan.timings.items()))
    print(f"  ratio to calamine floor: {full / floor:.1f}x")
    print(f"  households {Household.objects.count()}, history rows {Household.history.count()}")

    t = time.perf_counter()
    again = import_ledger(path, programme=programme, scope=Scope(None))
    print(
        f"re-import: {time.perf_counter() - t:.2f} s, created {again.created}, "
        f"updated {again.updated}, unchanged {again.unchanged}; "
        f"history rows {Household.history.count()}"
    )

    dumps = dump_written()
    clear()
    vacuum()
    floor_copy = copy_floor(dumps)
    print(f"floor, COPY of the same rows into the real tables: {floor_copy:.2f} s")
    print()
    print("| work | project | floor, same run | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| import of {outcome.created + outcome.updated} rows | {full:.2f} s | "
        f"COPY into the real tables: {floor_copy:.2f} s | x{full / floor_copy:.2f} | <= x1.3 |"
    )
    print()
    if args.resource:
        time_resource(path, programme, args.resource)

    if args.keep:
        restore(dumps)
    else:
        clear()


def _tables() -> list[str]:
    from tasks.models import Household

    return [Household._meta.db_table, Household.history.model._meta.db_table]


def dump_written() -> dict[str, tuple[list[str], bytes]]:
    """Each table's rows (all columns) as PostgreSQL's binary COPY format, in memory."""
    from django.db import connection

    qn = connection.ops.quote_name
    dumps = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(
                "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass "
                "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                [qn(table)],
            )
            columns = [qn(name) for (name,) in cursor.fetchall()]
            select = f"SELECT {', '.join(columns)} FROM {qn(table)} ORDER BY 1"
            sql = f"COPY ({select}) TO STDOUT (FORMAT BINARY)"
            with cursor.cursor.copy(sql) as copy:
                data = b"".join(bytes(block) for block in copy)
            dumps[table] = (columns, data)
    return dumps


def _copy_in(cursor, dumps: dict[str, tuple[list[str], bytes]]) -> None:
    qn = cursor.db.ops.quote_name
    for table, (columns, data) in dumps.items():
        sql = f"COPY {qn(table)} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        with cursor.cursor.copy(sql) as copy:
            copy.write(data)


def copy_floor(dumps: dict[str, tuple[list[str], bytes]]) -> float:
    """Seconds to COPY the dumped rows into the real tables and check the deferred constraints
    (what the import's commit checks), in a transaction that is then rolled back."""
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    seconds = 0.0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            _copy_in(cursor, dumps)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return seconds


def restore(dumps: dict[str, tuple[list[str], bytes]]) -> None:
    """Put the imported rows back (for --keep)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        _copy_in(cursor, dumps)


def vacuum() -> None:
    """Dead rows of an earlier run vacuumed away, statistics fresh: the same start for both."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def clear() -> None:
    """Empty the ledger and its history without Django's per-row delete (and its history)."""
    from tasks.models import Household

    Household.history.all()._raw_delete(Household.history.db)
    Household.objects.all()._raw_delete(Household.objects.db)


def prepare():
    """Programme data, villages of the generated towns, the example catalogue, approved plans."""
    from django.utils import timezone

    from bench.generate import EXAMPLE_CONTRACTORS, EXAMPLE_EQUIPMENT, TOWNS, village_names
    from tasks.models import Contractor, EquipmentModel, PlanStatus, Town, TownPlan, Village
    from tasks.services import programme_data_load

    programme_data_load()
    from tasks.models import Programme

    programme = Programme.objects.get(year=2021)
    for code, _name, _quota in TOWNS:
        town = Town.objects.get(code=code)
        for name in village_names(code, 12):
            Village.objects.get_or_create(town=town, name=name)
        TownPlan.objects.get_or_create(
            programme=programme,
            town=town,
            revision=1,
            defaults={"status": PlanStatus.APPROVED, "approved_at": timezone.now()},
        )
    for route, items in EXAMPLE_EQUIPMENT.items():
        for brand, model, kind in items:
            EquipmentModel.objects.get_or_create(
                brand=brand, model=model, defaults={"kind": kind, "route": route}
            )
    for name, kind in EXAMPLE_CONTRACTORS.values():
        Contractor.objects.get_or_create(name=name, defaults={"kind": kind})
    return programme


def time_resource(path: Path, programme, n: int) -> None:
    """django-import-export's own path (HouseholdResource.import_data) on the first n rows."""
    import tablib
    from python_calamine import CalamineWorkbook

    from tasks.ledger.resources import HouseholdResource

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("台账").to_python()
    dataset = tablib.Dataset(headers=rows[0])
    for row in rows[1 : n + 1]:
        dataset.append(row)
    clear()
    t = time.perf_counter()
    result = HouseholdResource(programme=programme).import_data(dataset, dry_run=False)
    took = time.perf_counter() - t
    print(
        f"django-import-export row-by-row: {n} rows in {took:.2f} s "
        f"({took / n * 1000:.1f} ms/row, ~{took / n * 100_000:.0f} s per 100k); "
        f"errors: {result.has_errors() or result.has_validation_errors()}"
    )


if __name__ == "__main__":
    sys.exit(main())
