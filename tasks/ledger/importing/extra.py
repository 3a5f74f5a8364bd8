"""Extra ledger columns registered by the apps that own their data (表号（户号） by `subsidies`).

`tasks` never imports the apps that build on it: an app registers its columns here in its
`ready()` (as it registers its report sections in `tasks.progress.sections`). A registration
gives the columns (header, width, kind, a per-cell parser) and three bulk callables:

- `export(household_ids, full)`: {household id: {column key: value}}, one query per call; the
  export calls it once per chunk of households, never per row (`full`: the user may see full
  ID and account numbers, else the getter masks them);
- `check(rows, programme)`: the parsed rows that carry any of its columns, as `ExtraRow`s;
  returns (row errors, a state for the writer), with a few queries for the whole file;
- `write(state, programme, by)`: called inside the import's transaction after the households
  are written (new ones included, found by ID number); all or nothing with the rest of the file.

A registered column is optional in a file: a file without it leaves that data as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tasks.ledger.importing import columns as c
from tasks.ledger.importing.plan import RowError


@dataclass(frozen=True, slots=True)
class ExtraRow:
    excel_row: int
    id_number: str
    route: str
    head_name: str
    #: The registration's own columns, by key, as their parsers returned them.
    values: dict[str, Any]


@dataclass(frozen=True)
class ExtraColumns:
    name: str
    columns: tuple[c.Column, ...]
    export: Callable[[list[int], bool], dict[int, dict[str, Any]]]
    check: Callable[[list[ExtraRow], Any], tuple[list[RowError], Any]]
    write: Callable[[Any, Any, Any], None]
    #: Lines for the template's 说明 sheet (lazy translations), numbered after its own.
    rules: tuple[Any, ...] = ()
    #: A line for the import's preview and result (what the writer will change), or None.
    describe: Callable[[Any], str | None] | None = None


_EXTRAS: dict[str, ExtraColumns] = {}


def extra_column(
    key: str, header: str, parse: Callable[[Any], Any], *, width: int, kind: str = "string"
) -> c.Column:
    """A registered column: its parser sees the cell alone (the row's rules are in `check`)."""
    return c.Column(
        key, header, lambda value, _values, _ctx: parse(value), lambda _h: None, width,
        field="", kind=kind, absent_keeps=True, source="extra",
    )  # fmt: skip


def register_ledger_columns(extra: ExtraColumns) -> None:
    """Add the columns after the template's own (once per name: a second call replaces nothing)."""
    if extra.name in _EXTRAS:
        return
    _EXTRAS[extra.name] = extra
    for column in extra.columns:
        c.COLUMNS.append(column)
        c.HEADERS.append(column.header)
        c.HEADER[column.key] = column.header


def registered() -> list[ExtraColumns]:
    return list(_EXTRAS.values())


def export_values(household_ids: list[int], full: bool) -> dict[str, Any]:
    """{column key: {household id: value}} of every registered column, one call per registration."""
    out: dict[str, Any] = {}
    for extra in _EXTRAS.values():
        values = extra.export(household_ids, full)
        for column in extra.columns:
            out[column.key] = {pk: v.get(column.key) for pk, v in values.items()}
    return out


def check_rows(
    rows: Iterable[Any], programme: Any, positions: dict[str, int]
) -> tuple[list[RowError], dict[str, Any]]:
    """Each registration's `check` over the rows that have its columns in the file."""
    rows = list(rows)
    errors: list[RowError] = []
    states: dict[str, Any] = {}
    for extra in _EXTRAS.values():
        keys = [col.key for col in extra.columns if col.key in positions]
        if not keys:
            continue
        mine = [
            ExtraRow(r.excel_row, r.values["id_number"], r.values["route"], r.values["head_name"],
                     {k: r.values.get(k) for k in keys})
            for r in rows
        ]  # fmt: skip
        found, state = extra.check(mine, programme)
        errors.extend(found)
        states[extra.name] = state
    return errors, states


def describe(states: dict[str, Any]) -> list[str]:
    """The preview's lines of what the registered writers will change."""
    lines = []
    for name, state in states.items():
        extra = _EXTRAS[name]
        if extra.describe is not None and (line := extra.describe(state)):
            lines.append(line)
    return lines


def write_rows(states: dict[str, Any], programme: Any, by: Any) -> None:
    for name, state in states.items():
        _EXTRAS[name].write(state, programme, by)
