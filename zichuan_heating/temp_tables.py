"""Rows streamed by COPY into a temporary table (PostgreSQL), for an UPDATE … FROM it: one
statement for thousands of changed rows, where bulk_update writes a CASE per row."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def copied_rows(cursor: Any, table: str, columns: str, rows: Iterable[tuple]) -> Iterator[None]:
    """The temporary table `table` (`columns`: its column definitions, as SQL) holding `rows`,
    for the statements of the block; dropped after it, and at commit in any case.

    `cursor` is a Django cursor on PostgreSQL (its psycopg cursor does the COPY)."""
    cursor.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
    with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    yield
    cursor.execute(f"DROP TABLE {table}")
