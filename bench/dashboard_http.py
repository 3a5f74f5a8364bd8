"""Benchmark: the dashboard through HTTP (gunicorn, DEBUG off) at N households, beside the floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench python -m bench.dashboard_http

Fills the database to N households (default 1,000,000) with `bench.seed` (COPY) and gives
the accepted ones their commissioning pass, starts gunicorn (2 workers), logs in as a
district-office user and times REQUESTS requests of the dashboard, one after another. The
floor, in the same run: a bare `SELECT town_id, status, count(*) FROM households GROUP BY
town_id, status` on one cursor, REQUESTS times; and the SQL the page runs, bare. Prints p50
and p95 of each and the page's ratio to the GROUP BY.
"""

import argparse
import time

from bench.ledger_list_http import (
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

PATH = "/"


def page_sql() -> list[str]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zichuan_heating.models import User

    client = Client()
    client.force_login(User.objects.get(username=USERNAME))
    client.get(PATH)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(PATH).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def group_by_sql() -> str:
    from tasks.models import Household

    table = Household._meta.db_table
    return f"SELECT town_id, status, count(*) FROM {table} GROUP BY town_id, status"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)
    setup_django()
    prepare(args.n)
    from django.db import connection

    from bench.seed import commission_accepted
    from tasks.models import Household, Programme

    added = commission_accepted(Programme.objects.get(year=2021))
    if added:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    total = Household.objects.count()
    statements = page_sql()
    port = free_port()
    server = start_gunicorn(port)
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        page = http_times(
            logged_in_opener(base), base + PATH, args.requests, marker=b"<h1", warmup=2
        )
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    sql = sql_times(statements, args.requests, warmup=1)
    floor = sql_times([group_by_sql()], args.requests)
    (p50, p95), (s50, s95), (f50, f95) = percentiles(page), percentiles(sql), percentiles(floor)
    print(f"dashboard, {total} households, {args.requests} requests in {seconds:.1f} s (ms)")
    print(f"  HTTP (gunicorn, DEBUG off)      p50 {p50:7.1f}  p95 {p95:7.1f}")
    print(f"  its SQL bare, {len(statements):2d} statements   p50 {s50:7.1f}  p95 {s95:7.1f}")
    print(f"  floor: bare GROUP BY town,status p50 {f50:7.1f}  p95 {f95:7.1f}")
    print(f"  ratio page / GROUP BY           p50 {p50 / f50:7.1f}  p95 {p95 / f95:7.1f}")


if __name__ == "__main__":
    main()
