"""Benchmark: the first page each gunicorn worker serves after a start, beside the same page
once warm (the floor: what every later request costs).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench python -m bench.first_request

Needs the database `bench.load` prepares (run `python -m bench.load --prepare-only` first).
Starts gunicorn ROUNDS times with `zichuan_heating/gunicorn.conf.py` (2 workers, each warmed up
by its `post_worker_init`); each time, the town official's ledger is asked for WARM + 2 times
with a new connection each, so both workers' first requests are among the first few. Prints
the slowest of the first two requests (a worker's first page) and the median of the rest.
"""

import argparse
import statistics
import time
import urllib.request

from bench.ledger_list_http import free_port, setup_django, start_gunicorn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/households/")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm", type=int, default=20, help="requests timed once warm")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connections

    from bench.load import session_cookies

    cookie = session_cookies("town", 1)[0]
    connections.close_all()
    first, warm = [], []
    for _ in range(args.rounds):
        port = free_port()
        server = start_gunicorn(port)  # returns once /login/ answers
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{args.path}", headers={"Cookie": f"sessionid={cookie}"}
            )
            times = []
            for _ in range(args.warm + 2):
                t0 = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    assert response.status == 200
                times.append((time.perf_counter() - t0) * 1000)
        finally:
            server.terminate()
            server.wait(timeout=30)
        first.append(max(times[:2]))
        warm.append(statistics.median(times[2:]))
    print(f"{args.path}, gunicorn 2 workers, {args.rounds} starts (ms)")
    print(f"{'first page of a worker (slowest of the first two)':52} " + _row(first))
    print(f"{'floor: the same page warm (median)':52} " + _row(warm))


def _row(values: list[float]) -> str:
    return "  ".join(f"{v:6.1f}" for v in values)


if __name__ == "__main__":
    main()
