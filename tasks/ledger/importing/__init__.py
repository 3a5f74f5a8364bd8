"""Excel import of the household ledger (台账), by phase; one code path serves the browser, the
Celery job, `manage.py import_ledger` and the benchmark.

1. file checks (`files`): the shared reader `zichuan_heating.spreadsheets` refuses hostile or
   broken files before any parser sees them (not a zip, encrypted, a zip bomb, too many rows,
   formula cells), with the ledger's sheet name and limits; then the header row is found;
2. parsing (`columns`, `parsers`): one table of the template's columns, one parser per column;
   every error is collected (row as Excel shows it, column header, Chinese message);
3. classification (`classify`): created / updated / unchanged by ID number within the
   programme, each status reached through `HOUSEHOLD_FLOW` with the services' date rules;
4. write (`write`): all or nothing in one transaction, in bulk, one history row per household.

Formula cells are refused, not read: python-calamine only sees the cached value, which is stale
or missing when the file was produced by a tool that does not recalculate.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tasks.ledger.importing.columns import COLUMNS, HEADERS, Column
from tasks.ledger.importing.files import SHEET_NAME, find_header, inspect_file
from tasks.ledger.importing.parsers import (
    LABEL_BY_ROUTE,
    ROUTE_BY_LABEL,
    parse_date,
    parse_id_number,
)
from tasks.ledger.importing.plan import ImportOutcome, Plan, RowError, Scope
from tasks.ledger.importing.text import clean_text, key_text
from tasks.ledger.importing.validation import validate
from tasks.ledger.importing.write import commit
from zichuan_heating.spreadsheets import UnusableFile

__all__ = [
    "COLUMNS",
    "HEADERS",
    "LABEL_BY_ROUTE",
    "ROUTE_BY_LABEL",
    "SHEET_NAME",
    "Column",
    "ImportOutcome",
    "Plan",
    "RowError",
    "Scope",
    "UnusableFile",
    "clean_text",
    "commit",
    "errors_as_dicts",
    "find_header",
    "gc_paused",
    "import_ledger",
    "inspect_file",
    "key_text",
    "parse_date",
    "parse_id_number",
    "validate",
]


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a big file is processed.

    Validation creates millions of small objects that are all alive until the end; each full
    collection walks all of them, so collections grow with the file (measured: parse and
    classify took 7-9x longer for 5x the rows). Nothing here makes reference cycles worth
    collecting midway.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_ledger(
    path: str | Path, *, by: Any = None, dry_run: bool = False, **options: Any
) -> ImportOutcome:
    """Validate and (unless dry_run or rows are bad) commit as `by`. Raises UnusableFile.

    `options` are `validate`'s: programme, scope, create_villages, progress.
    """
    with gc_paused():
        plan = validate(path, **options)
        outcome = ImportOutcome(errors=plan.errors, plan=plan, **plan.counts())
        if plan.ok and not dry_run:
            commit(plan, by=by)
            outcome.committed = True
    return outcome


def errors_as_dicts(errors: Iterable[RowError]) -> list[dict[str, Any]]:
    return [e.as_dict() for e in errors]
