"""Reads of PostgreSQL's own state for the tests of locks."""

from django.db import connection


def exclusive_tables() -> set[str]:
    """The tables this connection holds ACCESS EXCLUSIVE locks on."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND l.mode = 'AccessExclusiveLock'"
        )
        return {name for (name,) in cursor.fetchall()}
