"""Where one page's time goes: cProfile over N requests through Django's WSGI handler.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench \
        python -m bench.profile_page /households/ --user bench-district --requests 50

Runs with DEBUG off against the given database (the users of `bench.load` must exist: run
`python -m bench.load --prepare-only` first), prints the SQL statements of one request and the
functions with the most cumulative and own time. A tool for finding work to cut, not a figure.
"""

import argparse
import cProfile
import pstats
import sys
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--user", default="bench-district")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print every statement in full")
    args = parser.parse_args(argv)

    from bench.ledger_list_http import setup_django

    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zichuan_heating.models import User

    client = Client()
    user = User.objects.get(username=args.user)
    client.force_login(user)
    from zichuan_heating.accounts.twofactor import needs_second_factor

    if needs_second_factor(user):
        from bench.load import verify_second_factor_in_client

        verify_second_factor_in_client(client, user)
    get = wsgi_get(args.path, client.cookies[settings.SESSION_COOKIE_NAME].value)
    for _ in range(3):
        status, body = get()
    assert status.startswith("200"), status
    with CaptureQueriesContext(connection) as ctx:
        get()
    print(f"{args.path}: {len(ctx.captured_queries)} statements, {len(body)} bytes")
    for q in ctx.captured_queries:
        sql = q["sql"] if args.sql else q["sql"][:150]
        print(f"  {float(q['time']) * 1000:6.1f} ms  {sql}")
    t0 = time.perf_counter()
    for _ in range(args.requests):
        get()
    plain = (time.perf_counter() - t0) * 1000 / args.requests
    print(f"{plain:.1f} ms a request", file=sys.stderr)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        get()
    profiler.disable()
    elapsed = (time.perf_counter() - t0) * 1000 / args.requests
    print(f"{elapsed:.1f} ms a request under the profiler", file=sys.stderr)
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


def wsgi_get(path: str, session_key: str):
    """A GET of `path` through Django's WSGI handler, as gunicorn calls it (the test client
    adds its own work per template rendered, which would show as the page's)."""
    import io

    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    route, _, query = path.partition("?")

    def get() -> tuple[str, bytes]:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443",
            "HTTP_HOST": "localhost",
            "HTTP_COOKIE": f"sessionid={session_key}",
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": io.StringIO(),
        }
        answer = {}
        body = b"".join(handler(environ, lambda status, headers: answer.update(status=status)))
        return answer["status"], body

    return get


if __name__ == "__main__":
    main()
