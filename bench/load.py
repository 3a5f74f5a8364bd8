"""Load test: 50 users at once on the main pages of each role, on 2 gunicorn workers (loopback).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench python -m bench.load

Fills the database to N households (default 1,000,000) like `bench.ledger_list_http`, makes one
user per role (a town official of the town with most households, the district office, the
finance bureau with a confirmed authenticator), starts gunicorn with the project's config
(2 workers, DEBUG off) and runs locust headless from this script: USERS simulated users (town
officials, district office and finance in the ratio 5:3:2), each with its own session, each
waiting WAIT seconds (uniform) between pages, like a person reading a page. The run stops by
itself after REQUESTS requests or SECONDS seconds, whichever comes first.

First each page is timed alone (SOLO requests one after another, one user), then the users run.
Every response must be 200 and the page it names (a marker in the HTML), else it counts as an
error (no answer within 60 s too). `--only ledger,household` runs some pages only.
Prints p50, p95 and max per page and overall, the errors, each worker's resident memory
before the run and its peak during it (sampled, and the kernel's high-water mark VmHWM), and
the floor of the same run: a bare GROUP BY town, status over the households table.
"""

import argparse
import contextlib
import random
import statistics
import sys
import threading
import time

from bench.ledger_list_http import USERS, free_port, prepare, setup_django, start_gunicorn

#: The pages per role, every entry of its navigation and the subsidies section's: (name, path or
#: a path template taking a household id and the town official's town code, marker in the page).
PAGES = {
    "town": [
        ("ledger", "/households/", b'id="household-table"'),
        ("household", "/households/{id}/", b"<h1"),
        ("dashboard (town)", "/", b"<h1"),
        ("villages (town)", "/villages/", b"<h1"),
        ("acceptance (town)", "/acceptance/", b"<h1"),
        ("acc. completion tab (town)", "/acceptance/?state=awaiting_completion", b"<h1"),
        ("acc. rectifying tab (town)", "/acceptance/?state=rectifying", b"<h1"),
        ("safety (town)", "/visits/safety/", b"<h1"),
        ("plan (town)", "/plans/town/{town}/", b"<h1"),
        ("import (town)", "/ledger/import/", b"<h1"),
        ("reports (town)", "/reports/", b"<h1"),
        ("supervision (town)", "/supervision/", b"<h1"),
        ("visits (town)", "/visits/", b"<h1"),
        ("cases (town)", "/visits/cases/", b"<h1"),
        ("subsidies (town)", "/subsidies/", b"<h1"),
        ("usage flags (town)", "/subsidies/flags/", b"<h1"),
    ],
    "district": [
        ("dashboard (district)", "/", b"<h1"),
        ("plans overview", "/plans/overview/", b"<h1"),
        ("acceptance list", "/acceptance/", b"<h1"),
        ("acc. completion tab", "/acceptance/?state=awaiting_completion", b"<h1"),
        ("acc. rectifying tab", "/acceptance/?state=rectifying", b"<h1"),
        ("acc. reinspection tab", "/acceptance/?state=awaiting_reinspection", b"<h1"),
        ("acc. commissioning tab", "/acceptance/?state=awaiting_commissioning", b"<h1"),
        ("villages", "/villages/", b"<h1"),
        ("supervision", "/supervision/", b"<h1"),
        ("visits", "/visits/", b"<h1"),
        ("ledger (district)", "/households/", b'id="household-table"'),
        ("plan reviews", "/plans/review/", b"<h1"),
        ("id-number views", "/ledger/id-number-views/", b"<h1"),
        ("reports", "/reports/", b"<h1"),
        ("safety", "/visits/safety/", b"<h1"),
        ("cases", "/visits/cases/", b"<h1"),
        ("subsidies (district)", "/subsidies/", b"<h1"),
        ("usage flags (district)", "/subsidies/flags/", b"<h1"),
    ],
    "finance": [
        ("subsidies overview", "/subsidies/", b"<h1"),
        ("subsidy household", "/subsidies/households/{id}/", b"<h1"),
        ("batches", "/subsidies/batches/", b"<h1"),
        ("usage flags", "/subsidies/flags/", b"<h1"),
        ("estimates", "/subsidies/estimates/", b"<h1"),
        ("funds", "/subsidies/funds/", b"<h1"),
        ("dashboard (finance)", "/", b"<h1"),
        ("ledger (finance)", "/households/", b'id="household-table"'),
        ("acceptance (finance)", "/acceptance/", b"<h1"),
        ("standards", "/subsidies/standards/", b"<h1"),
        ("adjustments", "/subsidies/adjustments/", b"<h1"),
        ("readings upload", "/subsidies/readings/upload/", b"<h1"),
        ("new batch", "/subsidies/batches/new/", b"<h1"),
    ],
}
#: A page that has not answered in this many seconds counts as an error (HTTP 0 in the list).
TIMEOUT = 60.0
WEIGHTS = {"town": 5, "district": 3, "finance": 2}


def verify_second_factor_in_client(client, user) -> None:
    """Marks a test client's session as verified by the user's authenticator (bench only)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def session_cookies(role: str, count: int) -> list[str]:
    """`count` signed-in sessions of the role's user (as after the login form and the 2FA)."""
    from django.conf import settings
    from django.test import Client

    from zichuan_heating.models import User

    user = User.objects.get(username=USERS[role])
    cookies = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        if role == "finance":
            verify_second_factor_in_client(client, user)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return cookies


def bare_group_by(rounds: int) -> list[float]:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(rounds):
            t0 = time.perf_counter()
            cursor.execute("SELECT town_id, status, count(*) FROM tasks_household GROUP BY 1, 2")
            cursor.fetchall()
            times.append((time.perf_counter() - t0) * 1000)
    return times


class MemoryWatch:
    """Samples the resident memory of gunicorn's workers every `every` seconds."""

    def __init__(self, master_pid: int, every: float = 0.1):
        import psutil

        self.workers = psutil.Process(master_pid).children()
        self.start = {p.pid: p.memory_info().rss for p in self.workers}
        self.peak = dict(self.start)
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for p in self.workers:
                with contextlib.suppress(Exception):  # a dead worker keeps its last sample
                    self.peak[p.pid] = max(self.peak[p.pid], p.memory_info().rss)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def high_water(self) -> dict[int, int]:
        marks = {}
        for p in self.workers:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    line = next(x for x in f if x.startswith("VmHWM:"))
                marks[p.pid] = int(line.split()[1]) * 1024
            except (OSError, StopIteration):
                marks[p.pid] = 0
        return marks


def percentile(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[max(0, round(q * len(times)) - 1)]


def run_locust(
    base: str, pages: dict, cookies: dict, ids: list[int], town: str, args
) -> tuple[dict, list]:
    """Runs the users; returns response times (ms) per page and the errors."""
    import gevent
    from locust import FastHttpUser, between, events, task
    from locust.env import Environment

    times: dict[str, list[float]] = {}
    errors: list[str] = []
    done = {"n": 0}

    def make_user(role: str):
        pool = list(cookies[role])

        class RoleUser(FastHttpUser):
            host = base
            weight = WEIGHTS[role]
            wait_time = between(*args.wait)
            network_timeout = connection_timeout = TIMEOUT

            def on_start(self):
                cookie = pool.pop() if pool else cookies[role][0]
                self.headers = {"Cookie": f"sessionid={cookie}"}

            @task
            def page(self):
                name, path, marker = random.choice(pages[role])
                url = path.format(id=random.choice(ids), town=town)
                with self.client.get(
                    url,
                    name=name,
                    headers=self.headers,
                    catch_response=True,
                    allow_redirects=False,
                ) as r:
                    if r.status_code != 200 or marker not in (r.content or b""):
                        r.failure(f"{name} {url}: HTTP {r.status_code}")

        RoleUser.__name__ = f"{role.title()}User"
        return RoleUser

    def on_request(request_type, name, response_time, exception, **kw):
        times.setdefault(name, []).append(response_time)
        if exception:
            errors.append(f"{name}: {exception}")
        done["n"] += 1

    events.request.add_listener(on_request)
    env = Environment(user_classes=[make_user(r) for r in pages], events=events)
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users / 5)
    deadline = time.monotonic() + args.seconds
    while done["n"] < args.requests and time.monotonic() < deadline:
        gevent.sleep(0.2)
    runner.quit()
    return times, errors


def solo_times(
    base: str, pages: dict, ids: list[int], town: str, rounds: int
) -> dict[str, list[float]]:
    """Each page alone, one request after another (one user), after one warm-up request each:
    what a page costs without the others queueing beside it."""
    import urllib.request

    cookie = {role: session_cookies(role, 1)[0] for role in pages}
    times: dict[str, list[float]] = {}
    for role, role_pages in pages.items():
        for name, path, _marker in role_pages:
            url = base + path.format(id=ids[0], town=town)
            request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie[role]}"})
            for round_ in range(rounds + 1):
                t0 = time.perf_counter()
                urllib.request.urlopen(request, timeout=120).read()
                if round_:
                    times.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--wait", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"))
    parser.add_argument("--solo", type=int, default=5, help="requests of each page alone first")
    parser.add_argument("--only", default="", help="page names, comma-separated (default all)")
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args(argv)
    import locust  # noqa: F401  first: it patches the standard library for gevent (its users)

    pages = chosen_pages(args.only)
    setup_django()
    data = prepare(args.n)
    if args.prepare_only:
        return
    from django.db import connections

    from tasks.models import Household, Town

    total = Household.objects.count()
    town = Town.objects.get(pk=data["town_id"]).code
    cookies = {role: session_cookies(role, args.users) for role in pages}
    connections.close_all()
    port = free_port()
    server = start_gunicorn(port)
    try:
        base = f"http://127.0.0.1:{port}"
        solo = solo_times(base, pages, data["household_ids"], town, args.solo)
        with MemoryWatch(server.pid) as memory:
            t0 = time.monotonic()
            times, errors = run_locust(base, pages, cookies, data["household_ids"], town, args)
            elapsed = time.monotonic() - t0
        high = memory.high_water()
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = bare_group_by(20)
    report(total, args, solo, times, errors, elapsed, memory, high, floor)


def chosen_pages(only: str) -> dict:
    if not only:
        return PAGES
    names = {n.strip() for n in only.split(",")}
    unknown = names - {name for role_pages in PAGES.values() for name, _, _ in role_pages}
    if unknown:
        sys.exit(f"unknown page names: {sorted(unknown)}")
    pages = {r: [p for p in ps if p[0] in names] for r, ps in PAGES.items()}
    return {r: ps for r, ps in pages.items() if ps}


def report(total, args, solo, times, errors, elapsed, memory, high, floor) -> None:
    every = [t for ts in times.values() for t in ts]
    mb = 1024 * 1024
    print(
        f"load test: {total} households, {args.users} users, wait {args.wait[0]}-{args.wait[1]} s,"
        f" {len(every)} requests in {elapsed:.0f} s ({len(every) / elapsed:.1f}/s), 2 workers"
    )
    head = ("requests", "p50 ms", "p95 ms", "max ms")
    print(
        f"{'page':26s} {'alone p50':>9s} {'alone p95':>9s} | " + " ".join(f"{h:>8s}" for h in head)
    )
    for name in sorted(set(times) | set(solo)):
        ts = times.get(name) or [float("nan")]
        alone = solo.get(name) or [float("nan")]
        print(
            f"{name:26s} {statistics.median(alone):9.0f} {percentile(alone, 0.95):9.0f} | "
            f"{len(times.get(name, [])):8d} {statistics.median(ts):8.0f}"
            f" {percentile(ts, 0.95):8.0f} {max(ts):8.0f}"
        )
    p95 = percentile(every, 0.95) if every else float("nan")
    print(
        f"{'all pages':26s} {'':19s} | {len(every):8d} {statistics.median(every or [0]):8.0f}"
        f" {p95:8.0f} {max(every or [0]):8.0f}"
    )
    print(f"errors: {len(errors)} (HTTP 0: no answer within {TIMEOUT:.0f} s)")
    for e in errors[:10]:
        print(f"  {e}")
    print("gunicorn workers' resident memory (MB): at start, peak sampled, VmHWM, growth")
    growth = 0.0
    for pid, start in memory.start.items():
        peak = max(memory.peak[pid], high.get(pid, 0))
        growth = max(growth, (peak - start) / mb)
        print(
            f"  worker {pid}: {start / mb:6.0f} {memory.peak[pid] / mb:6.0f}"
            f" {high.get(pid, 0) / mb:6.0f} {(peak - start) / mb:+6.0f}"
        )
    f50, f95 = statistics.median(floor), percentile(floor, 0.95)
    print()
    print("| work | project | floor, same run | target |")
    print("|---|---|---|---|")
    print(
        f"| {args.users} users, {len(times)} pages: p95 | {p95:.0f} ms |"
        f" bare GROUP BY town, status: p95 {f95:.0f} ms (p50 {f50:.0f}) | ≤ 300 ms |"
    )
    print(f"| errors | {len(errors)} of {len(every)} | | 0 |")
    print(f"| worker memory growth, max | {growth:.0f} MB | | ≤ 200 MB |")


if __name__ == "__main__":
    main()
