"""The ledger's file checks: the shared spreadsheet reader with the 台账 sheet and its limits,
and the header row found among the first rows."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tasks.ledger.importing.columns import COLUMNS, HEADER, HEADERS
from tasks.ledger.importing.text import key_text
from zichuan_heating.spreadsheets import (
    HEADER_SEARCH_ROWS,
    UnusableFile,
    WorkbookFacts,
    inspect_workbook,
    read_sheet,
)

SHEET_NAME = "台账"


def inspect_file(path: str | Path) -> WorkbookFacts:
    """The shared checks with the ledger's sheet name and limits."""
    return inspect_workbook(
        path,
        sheet_name=SHEET_NAME,
        max_bytes=settings.LEDGER_IMPORT_MAX_BYTES,
        max_rows=settings.LEDGER_IMPORT_MAX_ROWS,
        max_columns=settings.LEDGER_IMPORT_MAX_COLUMNS,
        what=_("台账"),
    )


def read_ledger_sheet(path: str | Path) -> list[list[Any]]:
    return read_sheet(path, sheet_name=SHEET_NAME, max_columns=settings.LEDGER_IMPORT_MAX_COLUMNS)


def best_header_row(rows: list[list[Any]], wanted: Collection[str]) -> int | None:
    """The row among the first ones naming most of the `wanted` headers (as `key_text` gives
    them; a title row may stand above), or None when no row names three: every importer's
    rule for finding its header."""
    best: tuple[int, int] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if key_text(cell) in wanted)
        if hits and (best is None or hits > best[1]):
            best = (index, hits)
    return None if best is None or best[1] < 3 else best[0]


def _header_row(rows: list[list[Any]], wanted: dict[str, str]) -> int:
    index = best_header_row(rows, wanted)
    if index is None:
        raise UnusableFile(
            _("找不到“%(sheet)s”工作表的表头行。表头应包含：%(headers)s。")
            % {"sheet": SHEET_NAME, "headers": "、".join(HEADERS)}
        )
    return index


def header_positions(
    row: list[Any], wanted: Mapping[str, str], headers: Mapping[str, str], required: Iterable[str]
) -> tuple[dict[str, int], list[str]]:
    """Where each wanted column stands in the header `row` (`wanted`: `key_text` of a header →
    its key), the first of a repeated one; and what is wrong with the row, one Chinese phrase a
    problem: the `required` keys missing, the columns repeated (`headers`: key → header, for the
    messages). Every importer's rule for reading its header row."""
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    for col, cell in enumerate(row):
        key = wanted.get(key_text(cell))
        if key is None:
            continue
        if key in positions:
            duplicates.append(headers[key])
        else:
            positions[key] = col
    missing = [headers[k] for k in required if k not in positions]
    problems = []
    if missing:
        problems.append(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    if duplicates:
        problems.append(_("列重复：%(cols)s") % {"cols": "、".join(duplicates)})
    return positions, problems


def find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """The header row's index and each column's position."""
    wanted = {key_text(c.header): c.key for c in COLUMNS}
    index = _header_row(rows, wanted)
    required = [c.key for c in COLUMNS if c.required]
    positions, problems = header_positions(rows[index], wanted, HEADER, required)
    if problems:
        raise UnusableFile(
            _("表头有误（第 %(row)d 行）：%(problems)s。请使用下载的模板，表头不要合并单元格。")
            % {"row": index + 1, "problems": "；".join(problems)}
        )
    return index, positions
