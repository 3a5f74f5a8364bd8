"""Benchmark: the ledger list's first page through HTTP (gunicorn, DEBUG off) beside its SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench python -m bench.ledger_list_http

Fills the database to N households (default 1,000,000) with `bench.seed` (COPY), starts
gunicorn with the project's config (2 workers) on a free port, logs in as a district-office
user through the login form and times REQUESTS requests of the first page, one after another.
The floors, in the same run: a bare GROUP BY town, status over the households table (the
issue's yardstick: the page at most 3x that), and the SQL statements the page runs (captured
once in-process) executed bare through one cursor REQUESTS times. `--as town` measures the
town official's list (one town) instead of the district office's (all towns).
"""

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

USERS = {"town": "bench-town", "district": "bench-district", "finance": "bench-finance"}
USERNAME, PASSWORD = USERS["district"], "bench-pw-" + "x" * 12
TOTP_KEY = "3132333435363738393031323334353637383930"  # bench only: a fixed authenticator key
PATH = "/households/"


def _roles() -> dict:
    from zichuan_heating.roles import Role

    return {
        "town": Role.TOWN_OFFICIAL,
        "district": Role.DISTRICT_OFFICE,
        "finance": Role.FINANCE_BUREAU,
    }


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (your own one).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zichuan_heating.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DJANGO_SECURE", "0")  # plain http on loopback, no TLS proxy in front
    import django

    django.setup()


def prepare(n: int) -> dict:
    """N households and one bench user per role; returns the town official's town and a
    sample of its households (for the pages that show one household)."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.seed import commission_accepted, households_insert, inspect_some_built
    from tasks.models import Household, Programme
    from tasks.services import programme_data_load
    from zichuan_heating.models import User
    from zichuan_heating.roles import Role, sync_role_groups

    call_command("migrate", interactive=False, verbosity=0)
    programme_data_load()
    sync_role_groups()
    programme = Programme.objects.get(year=2021)
    have = Household.objects.filter(programme=programme).count()
    if have < n:
        seconds = households_insert(n - have, programme=programme, seed=have + 1)
        print(f"inserted {n - have} households in {seconds:.1f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        t0 = time.perf_counter()
        added = commission_accepted(programme) + inspect_some_built(programme)
        if added:
            print(
                f"added {added} acceptance records in {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
            )
        if added or have < n:
            # Statistics for the planner, and the visibility map set, as on a database that
            # has settled: on fresh rows the bare GROUP BY floor read every heap page (322 ms
            # against 178 ms after the vacuum) and the pages' index-only scans could not skip
            # the heap either.
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            print(f"vacuumed in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    busiest = Household.objects.values("town_id").annotate(n=Count("id")).order_by("-n")[0]
    town_id = busiest["town_id"]
    for key, role in _roles().items():
        user, _ = User.objects.get_or_create(username=USERS[key])
        user.set_password(PASSWORD)
        user.town_id = town_id if role == Role.TOWN_OFFICIAL else None
        user.save()
        user.groups.set([Group.objects.get(name=str(role))])
    finance = User.objects.get(username=USERS["finance"])
    TOTPDevice.objects.filter(user=finance).delete()
    TOTPDevice.objects.create(user=finance, name="bench", key=TOTP_KEY, confirmed=True)
    sample = Household.objects.filter(town_id=town_id).order_by("?").values_list("id", flat=True)
    return {"town_id": town_id, "household_ids": list(sample[:500])}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "PORT": str(port), "DJANGO_DEBUG": "0"}
    command = [sys.executable, "-m", "gunicorn", "-c", "zichuan_heating/gunicorn.conf.py"]
    server = subprocess.Popen(
        [*command, "--access-logfile", "/dev/null"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not answer within 60 s")


def logged_in_opener(base: str, username: str = USERNAME) -> urllib.request.OpenerDirector:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    request = urllib.request.Request(
        f"{base}/login/", urllib.parse.urlencode(form).encode(), headers={"Referer": base}
    )
    opener.open(request).read()
    if not any(c.name == "sessionid" for c in jar):
        sys.exit(f"login of {username} failed")
    return opener


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def http_times(
    opener, url: str, requests: int, marker: bytes = b"<table", warmup: int = 5
) -> list[float]:
    for _ in range(warmup):
        body = opener.open(url).read()
    assert marker in body, f"not the page: {marker!r} missing"
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        opener.open(url).read()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def page_sql(path: str = PATH, username: str = USERNAME) -> list[str]:
    """The statements the first page runs, captured through the test client in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zichuan_heating.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def sql_times(statements: list[str], requests: int, warmup: int = 5) -> list[float]:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for round_ in range(requests + warmup):
            t0 = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            if round_ >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    return times


GROUP_BY = "SELECT town_id, status, count(*) FROM tasks_household GROUP BY 1, 2"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--as", dest="role", choices=["district", "town"], default="district")
    args = parser.parse_args(argv)
    setup_django()
    prepare(args.n)
    from tasks.models import Household

    total = Household.objects.count()
    username = USERS[args.role]
    statements = page_sql(PATH, username)
    port = free_port()
    server = start_gunicorn(port)
    try:
        base = f"http://127.0.0.1:{port}"
        page = http_times(logged_in_opener(base, username), base + PATH, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = sql_times(statements, args.requests)
    group_by = sql_times([GROUP_BY], max(20, args.requests // 10))
    (p50, p95), (f50, f95), (g50, g95) = map(percentiles, (page, floor, group_by))
    print(f"ledger list first page as {args.role}, {total} households, {args.requests} requests")
    print("| work | project | floor, same run | target |")
    print("|---|---|---|---|")
    print(
        f"| ledger list, first page (HTTP, {args.role}) | p50 {p50:.1f} ms, p95 {p95:.1f} ms |"
        f" bare GROUP BY town, status: p50 {g50:.1f} ms, p95 {g95:.1f} ms"
        f" (ratio p95 {p95 / g95:.2f}) | p95 ≤ 50 ms and ≤ 3× the GROUP BY |"
    )
    print(
        f"| its SQL, {len(statements)} statements | p50 {f50:.1f} ms, p95 {f95:.1f} ms |"
        f" (HTTP ÷ SQL: p95 {p95 / f95:.1f}) | |"
    )


if __name__ == "__main__":
    main()
