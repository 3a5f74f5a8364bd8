"""Benchmark: the dashboard and a town page through HTTP (gunicorn, DEBUG off) at N
households, beside the floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench python -m bench.dashboard_http

Fills the database to N households (default 1,000,000) with `bench.seed` (COPY) and gives
the accepted ones their commissioning pass, starts gunicorn (2 workers), logs in as the
district office, the finance bureau and 洪山镇's official (password only: the second factor is
a login step, not the page's work, so it is switched off for the run) and times REQUESTS
requests of each page, one after another. The floor, in the same run: a bare
`SELECT town_id, status, count(*) FROM households GROUP BY town_id, status` on one cursor,
REQUESTS times before the pages and REQUESTS times after (both halves count). Prints p50 and
p95 of each page, of the district dashboard's own SQL run bare, of the floor, and each page's
ratio to the floor.
"""

import argparse
import os

from bench.ledger_list_http import (
    PASSWORD,
    USERNAME,
    free_port,
    http_times,
    logged_in_opener,
    percentiles,
    prepare,
    setup_django,
    sql_times,
    start_gunicorn,
)

TOWN = "hongshan"
FINANCE, OFFICIAL = "bench-finance", "bench-official"


def pages() -> list[tuple[str, str, str]]:
    """(label, path, username) of each page timed."""
    return [
        ("dashboard, district office", "/", USERNAME),
        ("dashboard, finance bureau", "/", FINANCE),
        ("dashboard, town official", "/", OFFICIAL),
        (f"town page ({TOWN}), district office", f"/towns/{TOWN}/", USERNAME),
        (f"town page ({TOWN}), town official", f"/towns/{TOWN}/", OFFICIAL),
    ]


def role_users() -> None:
    """The finance and town-official users beside `prepare`'s district-office one."""
    from django.contrib.auth.models import Group

    from tasks.models import Town
    from zichuan_heating.models import User
    from zichuan_heating.roles import Role

    for username, role, town in (
        (FINANCE, Role.FINANCE_BUREAU, None),
        (OFFICIAL, Role.TOWN_OFFICIAL, Town.objects.get(code=TOWN)),
    ):
        user, _ = User.objects.get_or_create(username=username)
        user.town = town
        user.set_password(PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=str(role))])


def page_sql(path: str = "/") -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zichuan_heating.models import User

    client = Client()
    client.force_login(User.objects.get(username=USERNAME))
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def group_by_sql() -> str:
    from tasks.models import Household

    table = Household._meta.db_table
    return f"SELECT town_id, status, count(*) FROM {table} GROUP BY town_id, status"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)
    os.environ["ZH_REQUIRE_2FA"] = "0"
    setup_django()
    prepare(args.n)
    role_users()
    from tasks.models import Household

    # `prepare` gave the accepted households their commissioning pass and some built ones
    # their inspections (bench.seed), and analyzed the tables.
    total = Household.objects.count()
    statements = page_sql()
    floor = sql_times([group_by_sql()], args.requests)
    port = free_port()
    server = start_gunicorn(port)
    results = []
    try:
        base = f"http://127.0.0.1:{port}"
        for label, path, username in pages():
            times = http_times(
                logged_in_opener(base, username), base + path, args.requests, b"<h1", 3
            )
            results.append((label, times))
    finally:
        server.terminate()
        server.wait(timeout=30)
    sql = sql_times(statements, args.requests, warmup=1)
    floor += sql_times([group_by_sql()], args.requests)
    f50, f95 = percentiles(floor)
    print(f"{total} households, {args.requests} requests a page, gunicorn 2 workers (ms)")
    print(f"{'work':42s} {'p50':>8s} {'p95':>8s}  ratio to the floor p50 / p95")
    for label, times in results:
        p50, p95 = percentiles(times)
        print(f"{label:42s} {p50:8.1f} {p95:8.1f}  {p50 / f50:6.2f} / {p95 / f95:5.2f}")
    s50, s95 = percentiles(sql)
    print(
        f"{f'district dashboard SQL bare, {len(statements)} statements':42s} {s50:8.1f} {s95:8.1f}"
    )
    print(f"{'floor: bare GROUP BY town_id, status':42s} {f50:8.1f} {f95:8.1f}")


if __name__ == "__main__":
    main()
