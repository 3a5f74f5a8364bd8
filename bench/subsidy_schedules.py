"""Benchmark: subsidy schedules for N accepted households (target: 100,000 in ≤ 30 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_subsidies \\
        python -m bench.subsidy_schedules 100000

Wipes the benchmark database's households and subsidy rows, inserts N accepted households
from bench.generate with COPY (each with its passed commissioning record), then times
`schedules_generate` twice (the second run must create nothing).
"""

import argparse
import datetime
import os
import sys
import time


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("set DATABASE_URL to your own PostgreSQL database (e.g. zh_subsidies)")
    import django

    django.setup()


def prepare_database() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from subsidies.services import standards_load
    from tasks.services import programme_data_load
    from zichuan_heating.roles import sync_role_groups

    programme_data_load()
    sync_role_groups()
    standards_load()


def bench_users():
    from django.contrib.auth.models import Group

    from zichuan_heating.models import User
    from zichuan_heating.roles import Role

    users = []
    for name in ("bench_finance", "bench_finance2"):
        user, _ = User.objects.get_or_create(username=name)
        user.groups.add(Group.objects.get(name=str(Role.FINANCE_BUREAU)))
        users.append(User.objects.get(pk=user.pk))
    return users


def insert_households(n: int, seed: int = 0) -> float:
    """Wipe and insert n accepted households with COPY; returns seconds."""
    from django.db import connection, transaction

    from bench.generate import TOWNS, households
    from bench.seed import commission_accepted
    from tasks.models import EquipmentModel, Household, Programme, Town, Village

    started = time.perf_counter()
    programme = Programme.objects.get(year=2021)
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE subsidies_batchline, subsidies_historicalbatchline, subsidies_subsidyevent, "
            "subsidies_disbursementbatch_towns, subsidies_disbursementbatch, "
            "subsidies_historicaldisbursementbatch, subsidies_instalment, "
            "subsidies_historicalinstalment, tasks_household, tasks_historicalhousehold CASCADE"
        )
    towns = {t.code: t for t in Town.objects.all()}
    equipment = {}
    for route, kind, price in (
        ("gas", "燃气壁挂炉", "4200.00"),
        ("electric", "空气源热泵", "9800.00"),
    ):
        equipment[route], _ = EquipmentModel.objects.get_or_create(
            brand="基准测试",
            model=f"BENCH-{route}",
            defaults={"kind": kind, "route": route, "price_cap": price, "is_example": True},
        )
    villages: dict[tuple[str, str], int] = {}
    rows = list(households(n, seed))
    for r in rows:
        key = (r.town_code, r.village)
        if key not in villages:
            villages[key] = Village.objects.get_or_create(town=towns[r.town_code], name=r.village)[
                0
            ].pk
    now = datetime.datetime.now(datetime.UTC)
    cols = (
        "programme_id, town_id, village_id, head_name, id_number, id_tail, phone, address, size, "
        "route, equipment_id, status, status_before_withdrawal, withdrawal_reason, "
        "contract_signed_on, construction_completed_on, notes, created_at, updated_at"
    )
    copy_sql = f"COPY {Household._meta.db_table} ({cols}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as c, c.cursor.copy(copy_sql) as cp:
        for r in rows:
            eq = equipment.get(r.route)
            cp.write_row(
                (
                    programme.pk,
                    towns[r.town_code].pk,
                    villages[(r.town_code, r.village)],
                    r.head_name,
                    r.id_number,
                    r.id_number[-6:],
                    r.phone,
                    r.address,
                    r.size,
                    r.route,
                    eq.pk if eq else None,
                    "accepted",
                    "",
                    "",
                    r.signed_on,
                    r.completed_on or r.signed_on,
                    "",
                    now,
                    now,
                )
            )
    with connection.cursor() as c:
        c.execute(f"ANALYZE {Household._meta.db_table}")
        # The acceptance table was just emptied: a nested-loop anti-join against it would
        # rescan its growing heap once per household (quadratic, minutes); a hash join reads
        # it once.
        c.execute("SET enable_nestloop = off")
    commission_accepted(programme)
    with connection.cursor() as c:
        c.execute("RESET enable_nestloop")
        c.execute("ANALYZE acceptance_acceptance")
    assert len(TOWNS) == 9
    return time.perf_counter() - started


def floor_seconds(*, with_keys: bool = False) -> float:
    """The same rows written bare: INSERT … SELECT of the instalments and their history rows
    into copies of both tables with the same indexes, check constraints and defaults
    (`LIKE … INCLUDING ALL`), in one transaction, as schedules_generate writes them.

    Plain: temporary copies, as the issue measured (no WAL, and no foreign keys: a temporary
    table cannot reference a permanent one). `with_keys`: ordinary (logged) copies that also
    carry the real table's foreign keys, deferred like Django's, checked inside the clock:
    the same rows with everything the real table makes the database do."""
    from django.db import connection, transaction

    from subsidies.models import Instalment

    tables = ("subsidies_instalment", "subsidies_historicalinstalment")
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as c:
        for table in tables:
            kind = "" if with_keys else "TEMP"
            c.execute(f"CREATE {kind} TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
        if with_keys:
            for field in Instalment._meta.concrete_fields:
                if field.is_relation:
                    target = field.related_model._meta
                    c.execute(
                        f"ALTER TABLE floor_subsidies_instalment ADD FOREIGN KEY "
                        f"({qn(field.column)}) REFERENCES {qn(target.db_table)} "
                        f"({qn(target.pk.column)}) DEFERRABLE INITIALLY DEFERRED"
                    )
        started = time.perf_counter()
        for table in tables:
            c.execute(f"INSERT INTO floor_{table} SELECT * FROM {table}")
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what a commit would check, inside the clock
        seconds = time.perf_counter() - started
        for table in tables:
            c.execute(f"DROP TABLE floor_{table}")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the households if N are there; wipe schedules"
    )
    args = parser.parse_args(argv)
    setup_django()
    prepare_database()
    from django.db import connection

    from subsidies.models import Instalment
    from subsidies.services import schedules_generate
    from tasks.models import Household, Programme

    if args.reuse and Household.objects.filter(status="accepted").count() == args.n:
        with connection.cursor() as c:
            c.execute(
                "TRUNCATE subsidies_batchline, subsidies_historicalbatchline, "
                "subsidies_disbursementbatch_towns, subsidies_disbursementbatch, "
                "subsidies_historicaldisbursementbatch, subsidies_instalment, "
                "subsidies_historicalinstalment CASCADE"
            )
        print(f"reusing {args.n} accepted households; schedules wiped")
    else:
        secs = insert_households(args.n)
        print(f"inserted {args.n} accepted households (COPY) in {secs:.1f} s")
    programme = Programme.objects.get(year=2021)
    t = time.perf_counter()
    created = schedules_generate(programme=programme)
    first = time.perf_counter() - t
    print(f"schedules_generate: {created} instalments for {args.n} households in {first:.1f} s")
    t = time.perf_counter()
    again = schedules_generate(programme=programme)
    second = time.perf_counter() - t
    print(f"second run (idempotent): {again} created in {second:.1f} s")
    print(f"instalments in db: {Instalment.objects.count()}")
    floor = floor_seconds()
    keyed = floor_seconds(with_keys=True)
    print(f"floor, INSERT … SELECT of the same rows into indexed temporary copies: {floor:.1f} s")
    print(f"floor, the same into logged copies with the real foreign keys: {keyed:.1f} s")
    print()
    print("| work | project | floor, same run | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| schedules for {args.n} households | {first:.1f} s | INSERT … SELECT into "
        f"indexed temporary copies: {floor:.1f} s | x{first / floor:.2f} | <= x1.5 |"
    )
    print(
        f"| schedules for {args.n} households | {first:.1f} s | INSERT … SELECT into "
        f"logged copies with the foreign keys: {keyed:.1f} s | x{first / keyed:.2f} | |"
    )
    print(f"TARGET ≤ 30 s: {'OK' if first <= 30 else 'MISSED'} ({first:.1f} s)")


if __name__ == "__main__":
    main()
