"""Benchmark: the ledger list page with N households in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_ledgerui python -m bench.ledger_list [N]

Migrates the database, loads the programme, creates the generator's villages per town and,
when the ledger holds fewer than N households, COPYs generated ones in (psycopg `cursor.copy`,
no history rows: this measures reads). Then times the list view through Django's test Client as
a logged-in district-office user (all towns, masked IDs): the first page, a filtered page
(town + status) and a search by ID tail, RUNS runs each after a warm-up; prints p50/p95 in ms
and the SQL each page ran.
"""

import argparse
import datetime
import os
import statistics
import sys
import time


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (your own one).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings_test")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()


COLUMNS = (
    "programme_id",
    "town_id",
    "village_id",
    "head_name",
    "id_number",
    "id_tail",
    "phone",
    "address",
    "size",
    "route",
    "status",
    "status_before_withdrawal",
    "withdrawal_reason",
    "contract_signed_on",
    "construction_started_on",
    "construction_completed_on",
    "notes",
    "created_at",
    "updated_at",
)


def status_for(i: int, row) -> tuple:
    """A plausible mix: (status, before, reason, signed, started, completed)."""
    if row.completed_on is not None:
        started = row.signed_on + datetime.timedelta(days=5)
        status = "accepted" if i % 3 == 0 else "built"
        return status, "", "", row.signed_on, started, row.completed_on
    kind = i % 8
    if kind < 3:
        return "surveyed", "", "", None, None, None
    if kind < 5:
        return "contracted", "", "", row.signed_on, None, None
    if kind < 7:
        started = row.signed_on + datetime.timedelta(days=5)
        return "under_construction", "", "", row.signed_on, started, None
    return "withdrawn", "surveyed", "房屋拆迁", None, None, None


def load(n: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.generate import TOWNS, households, village_names
    from tasks.models import Household, Town, Village
    from tasks.services import programme_data_load
    from zichuan_heating.roles import sync_role_groups

    call_command("migrate", interactive=False, verbosity=0)
    programme = programme_data_load() and None
    sync_role_groups()
    from tasks.models import Programme

    programme = Programme.objects.get(year=2021)
    have = Household.objects.filter(programme=programme).count()
    if have >= n:
        print(f"ledger already holds {have} households", file=sys.stderr)
        return
    if have:
        sys.exit(f"ledger holds {have} (< {n}) households: use a fresh database")

    towns = {t.code: t.pk for t in Town.objects.all()}
    villages: dict[tuple[str, str], int] = {}
    for code, _name, _quota in TOWNS:
        for vname in village_names(code, 12):
            v, _ = Village.objects.get_or_create(town_id=towns[code], name=vname)
            villages[(code, vname)] = v.pk

    started = time.perf_counter()
    now = timezone.now()
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        sql = f"COPY tasks_household ({', '.join(COLUMNS)}) FROM STDIN"
        with cur.copy(sql) as copy:
            for i, row in enumerate(households(n, seed)):
                status, before, reason, signed, started_on, completed = status_for(i, row)
                copy.write_row(
                    (
                        programme.pk,
                        towns[row.town_code],
                        villages[(row.town_code, row.village)],
                        row.head_name,
                        row.id_number,
                        row.id_number[-6:],
                        row.phone,
                        row.address,
                        row.size,
                        row.route,
                        status,
                        before,
                        reason,
                        signed,
                        started_on,
                        completed,
                        "",
                        now,
                        now,
                    )
                )
    connection.connection.commit()
    print(f"copied {n} households in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE tasks_household")
    print(f"vacuum analyze {time.perf_counter() - started:.1f} s", file=sys.stderr)


def timed(client, path: str, params: dict, runs: int) -> tuple[float, float, int, list]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(path, params)
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path, params)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    return statistics.median(times), p95, len(ctx.captured_queries), queries[:2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    setup_django()
    load(args.n, args.seed)

    from django.test import Client
    from django.urls import reverse

    from tasks.models import Household, Town
    from zichuan_heating.models import User
    from zichuan_heating.roles import Role

    user, created = User.objects.get_or_create(username="bench-district")
    if created:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=str(Role.DISTRICT_OFFICE)))
    client = Client()
    client.force_login(user)
    town = Town.objects.get(code="kunlun")
    tail = (
        Household.objects.filter(town=town).order_by("-id").values_list("id_tail", flat=True)[1000]
    )
    path = reverse("ledger:household_list")
    total = Household.objects.count()
    print(f"ledger list, {total} households, {args.runs} runs each (ms):")
    for label, params in [
        ("first page", {}),
        ("town + status", {"town": town.pk, "status": "built"}),
        ("ID tail (6)", {"q": tail}),
        ("ID tail (4)", {"q": tail[-4:]}),
        ("name prefix", {"q": "王伟"}),
    ]:
        p50, p95, n_queries, slowest = timed(client, path, params, args.runs)
        print(f"  {label:<14} p50 {p50:7.1f}  p95 {p95:7.1f}  queries {n_queries}")
        for q in slowest:
            print(f"      {float(q['time']) * 1000:6.1f} ms  {q['sql'][:150]}")


if __name__ == "__main__":
    main()
