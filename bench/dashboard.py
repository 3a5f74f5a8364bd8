"""Benchmark: the dashboard's chart figures at N households (PostgreSQL), beside their floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_charts python -m bench.dashboard 100000

Wipes the benchmark database's households (and what hangs off them), inserts N generated
households with COPY (accepted ones with their passed commissioning record), then times
`chart_queries.dashboard_charts` for the district (every town) and for one town's official.
The floor is the same SQL statements the run sent, executed again bare on a cursor with the
rows fetched (no ORM, no Python shaping): what the figures cost the database itself.
"""

import argparse
import datetime
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.seed import commission_accepted, households_insert  # noqa: E402
from tasks.models import Programme, Town  # noqa: E402
from tasks.progress import chart_queries, queries  # noqa: E402
from zichuan_heating.models import User  # noqa: E402

TODAY = datetime.date(2021, 9, 20)


def _wipe() -> None:
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE subsidies_batchline, subsidies_historicalbatchline, subsidies_subsidyevent, "
            "subsidies_disbursementbatch_towns, subsidies_disbursementbatch, "
            "subsidies_historicaldisbursementbatch, subsidies_instalment, "
            "subsidies_historicalinstalment, acceptance_acceptance, tasks_household, "
            "tasks_historicalhousehold CASCADE"
        )


def _floor(statements: list[str]) -> tuple[float, list[float]]:
    each = []
    with connection.cursor() as c:
        for sql in statements:
            started = time.perf_counter()
            c.execute(sql)
            c.fetchall()
            each.append(time.perf_counter() - started)
    return sum(each), each


def one_run(programme: Programme, user: User, label: str) -> None:
    rows = queries.progress_by_town(programme, user)
    total = queries.progress_total(rows)
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        chart_queries.dashboard_charts(programme, rows, total, today=TODAY, with_money=True)
        elapsed = time.perf_counter() - started
    statements = [q["sql"] for q in ctx.captured_queries]
    floor, each = _floor(statements)
    print(
        f"  {label:<24} charts {elapsed * 1000:8.1f} ms in {len(statements)} queries; "
        f"floor (same SQL bare) {floor * 1000:8.1f} ms "
        f"({', '.join(f'{t * 1000:.0f}' for t in each)} ms each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    args = parser.parse_args()
    call_command("bootstrap", verbosity=0)
    programme = Programme.objects.get(year=2021)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    district, _ = User.objects.get_or_create(username="bench-district")
    district.groups.add(Group.objects.get(name="district_office"))
    town = Town.objects.get(code="hongshan")
    official, _ = User.objects.get_or_create(username="bench-hongshan", defaults={"town": town})
    official.groups.add(Group.objects.get(name="town_official"))
    _wipe()
    seconds = households_insert(args.n, programme=programme, seed=5)
    accepted = commission_accepted(programme)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"inserted {args.n:,} households ({accepted:,} accepted) in {seconds:.1f} s")
    for _ in range(2):  # the second run is the warm one
        one_run(programme, district, "district (all towns)")
        one_run(programme, official, "official (one town)")
    _wipe()


if __name__ == "__main__":
    main()
