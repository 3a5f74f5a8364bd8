"""Benchmark: the CPU instructions one request of each main page costs in Python, counted by
valgrind's callgrind, beside its floor (the page's own SQL statements run bare).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench python -m bench.instructions
    ... python -m bench.instructions --only "dashboard (district),dashboard (town)"

Wall-clock figures on this shared 2-core machine move with its neighbours (the same Python loop
has taken 0.21 s and 0.66 s on the same day). The number of instructions a request executes does
not: two runs agree within 0.2 %. So this is the figure to compare two versions of a page by.

Needs valgrind (Debian's package) and the database `bench.load` prepares (its users and pages:
run `python -m bench.load --prepare-only` first). One process per role runs under callgrind
with instrumentation off, so Django's start-up and each page's warm-up requests go at nearly
native speed; for each page this script zeroes the counters, switches instrumentation on for
REQUESTS requests through Django's WSGI handler (as gunicorn calls it), then dumps the counts.
The floor, in the same process: the statements the page ran (captured from one request) sent
bare through the psycopg connection REQUESTS times and fetched. The database server's own work
is in neither figure: this counts the web process only.
"""

import argparse
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.load import chosen_pages


def child(role: str, only: str, requests: int) -> None:
    """Runs under callgrind: each page, then its floor, between the parent's go and done."""
    from bench.ledger_list_http import USERS, setup_django

    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Under callgrind a minute passes in a few requests: a connection kept for CONN_MAX_AGE
    # would be closed and opened again (its statements prepared again) far more often than
    # it is at native speed. One connection for the whole run, as a busy worker has.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None

    from bench.load import session_cookies
    from bench.profile_page import wsgi_get
    from tasks.models import Household
    from zichuan_heating.models import User

    official = User.objects.select_related("town").get(username=USERS["town"])
    household = Household.objects.filter(town=official.town).order_by("pk").first()
    cookie = session_cookies(role, 1)[0]
    for name, path, marker in chosen_pages(only).get(role, []):
        get = wsgi_get(path.format(id=household.pk, town=official.town.code), cookie)
        for _ in range(3):
            status, body = get()
        if not status.startswith("200") or marker not in body:
            sys.exit(f"{name}: HTTP {status}, or not the page")
        with CaptureQueriesContext(connection) as ctx:
            get()
        statements = [q["sql"] for q in ctx.captured_queries]
        raw = connection.connection

        def floor(statements=statements, raw=raw) -> None:
            with raw.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()

        floor()
        for kind, work in (("page", get), ("floor", floor)):
            _ask(f"ready {name}\t{kind}\t{len(statements)}")
            for _ in range(requests):
                work()
            _ask("done")


def _ask(line: str) -> None:
    """Tells the parent and waits for its answer, polling: a process blocked in a system call
    would not see callgrind_control's commands."""
    print(line, flush=True)
    while not select.select([sys.stdin], [], [], 0.05)[0]:
        pass
    sys.stdin.readline()


def control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


def totals(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def _await_done(process: subprocess.Popen, name: str, errors: Path) -> None:
    """Reads the child's output up to its "done", passing over anything else it prints (a log
    line about a request that was slow under callgrind, say)."""
    for line in process.stdout:
        if line.strip() == "done":
            return
    process.wait(timeout=120)
    tail = errors.read_text().splitlines()[-15:]
    sys.exit("\n".join([f"{name}: the child stopped (exit {process.returncode}):", *tail]))


def measure(role: str, only: str, requests: int, folder: Path) -> list[tuple[str, str, int, int]]:
    """(page, kind, statements, instructions a request) of each of the role's pages."""
    out = folder / f"{role}.out"
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        role,
        "--only",
        only,
        "--requests",
        str(requests),
    ]
    errors = folder / f"{role}.err"
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors.open("w"),
        text=True,
    )
    rows = []
    try:
        for line in process.stdout:
            if not line.startswith("ready "):
                continue
            name, kind, statements = line[len("ready ") :].rstrip("\n").split("\t")
            control(process.pid, "-z")
            control(process.pid, "-i", "on")
            process.stdin.write("go\n")
            process.stdin.flush()
            _await_done(process, name, errors)
            control(process.pid, "-d")
            control(process.pid, "-i", "off")
            dumps = sorted(folder.glob(f"{role}.out.*"), key=lambda p: int(p.suffix[1:]))
            rows.append((name, kind, int(statements), totals(dumps[-1]) // requests))
            process.stdin.write("next\n")
            process.stdin.flush()
    finally:
        process.stdin.close()
        process.wait(timeout=120)
    if process.returncode:
        tail = errors.read_text().splitlines()[-15:]
        sys.exit("\n".join([f"the {role} process failed (exit {process.returncode}):", *tail]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--only", default="", help="page names, comma-separated (default all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.only, args.requests)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name the PostgreSQL database bench.load prepared")
    for tool in ("valgrind", "callgrind_control"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            sys.exit(f"{tool} not found: apt-get install valgrind")
    started = time.monotonic()
    print(f"M instructions a request (callgrind, {args.requests} requests each, after 3 warm-up)")
    print(f"{'page':34} {'page':>9} {'floor':>9} {'ratio':>7}  statements")
    with tempfile.TemporaryDirectory() as folder:
        for role in chosen_pages(args.only):
            rows = measure(role, args.only, args.requests, Path(folder))
            by_page: dict[str, dict] = {}
            for name, kind, statements, instructions in rows:
                by_page.setdefault(name, {"statements": statements})[kind] = instructions
            for name, row in by_page.items():
                page, floor = row["page"] / 1e6, row["floor"] / 1e6
                print(
                    f"{name:34} {page:9.1f} {floor:9.2f} {page / floor:7.0f}x  {row['statements']}"
                )
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
