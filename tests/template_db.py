"""The PostgreSQL test database made once and cloned: migrating one takes about 11 s of CPU
(Django renders the model states of some seventy migrations), and every xdist worker and every
run needs the same result.

The first worker to need it migrates its test database as usual, then copies it into a
template database named after a hash of what the schema is made from: the project's code,
fixtures and migrations, and the installed packages' versions. Every later test database,
of this run's other workers and of later runs on the same server, is a `CREATE DATABASE …
TEMPLATE` of it (a file copy, well under a second), after which Django's `migrate` finds
nothing to apply. Any change to the code or the packages gives another name, so a stale
schema is never reused; beyond the newest three, older templates are dropped when a new one
is made. A file lock lets one worker at a time make or copy it. SQLite test databases are made
as before.

`flush_by_delete` makes the flush after each transactional test (a live server's, a worker's,
a race's) a DELETE of every table instead of Django's one TRUNCATE of them all.
"""

import fcntl
import hashlib
import importlib.metadata
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
SOURCES = ("zichuan_heating", "tasks", "acceptance", "subsidies", "visits", "fixtures")
PREFIX = "zh_template_"
LOCK = Path("/tmp/zichuan_heating_test_template.lock")
KEEP = 3
#: What migrate's post_migrate makes; `flush_by_delete` leaves it.
KEPT = {"django_content_type", "auth_permission"}


def template_name() -> str:
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json", ".sql"):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    for dist in sorted(
        f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()
    ):
        digest.update(dist.encode())
    return PREFIX + digest.hexdigest()[:16]


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def create_database(cursor, name: str) -> bool:
    """CREATE DATABASE `name`: a copy of this code's template when the server has one (under
    the workers' lock, so never of a half-made one), else empty. True for a copy. For a test
    that runs the stack against a database of its own (`tests/core/test_scripts.py`)."""
    template = template_name()
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        have = _exists(cursor, template)
        cursor.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if have else ""))
    return have


def setup(setup_databases, **kwargs):
    """`django.test.utils.setup_databases(**kwargs)` for the default PostgreSQL database,
    through the template; returns its result (for `teardown_databases`)."""
    template = template_name()
    qn = connection.ops.quote_name
    test_name = connection.creation._get_test_db_name()
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with connection.creation._nodb_cursor() as cursor:
            have = _exists(cursor, template)
            if have:
                cursor.execute(f"DROP DATABASE IF EXISTS {qn(test_name)} WITH (FORCE)")
                cursor.execute(f"CREATE DATABASE {qn(test_name)} TEMPLATE {qn(template)}")
        if have:
            return setup_databases(keepdb=True, **kwargs)
        config = setup_databases(**kwargs)
        connection.close()
        with connection.creation._nodb_cursor() as cursor:
            # Older templates go, but the newest few stay: another checkout's run (other code,
            # another name) may be copying its own at this moment.
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY oid DESC",
                [PREFIX + "%"],
            )
            for (old,) in cursor.fetchall()[KEEP - 1 :]:
                cursor.execute(f"DROP DATABASE IF EXISTS {qn(old)}")
            cursor.execute(f"CREATE DATABASE {qn(template)} TEMPLATE {qn(test_name)}")
        return config


def drop(config) -> None:
    """Drop the test databases `setup` made, connections still open to them or not."""
    qn = connection.ops.quote_name
    for conn, _old_name, destroy in config:
        test_name = conn.settings_dict["NAME"]
        conn.close()
        if destroy:
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {qn(test_name)} WITH (FORCE)")


def flush_by_delete(connection) -> None:
    """Empty the tables after a transactional test with DELETE, triggers and foreign keys off
    for that one transaction, instead of TRUNCATE: the same empty tables and sequences where
    they were, in some 30 ms instead of 300-400 (TRUNCATE gives each of the ~95 tables and
    their indexes new files, nearly all of them empty already). The content types and
    permissions stay: the flush's post_migrate would write the same rows again (it still runs
    and adds any that a test deleted), and the cached content types keep their ids. Turning
    triggers off takes a superuser; otherwise, and when a test asks for its sequences reset,
    Django's TRUNCATE."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        if cursor.fetchone()[0] != "on":
            return
    ops = type(connection.ops)
    truncate = ops.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Replica: no trigger fires, foreign keys included (what stays points at nothing that
        # goes); LOCAL: only for the flush's own transaction.
        deletes = " ".join(
            f"DELETE FROM {self.quote_name(table)};" for table in tables if table not in KEPT
        )
        return [
            "SET LOCAL session_replication_role = replica; "
            f"{deletes} SET LOCAL session_replication_role = DEFAULT;"
        ]

    ops.sql_flush = sql_flush
