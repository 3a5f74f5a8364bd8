"""Validation of a ledger file: file checks, header, every row through its column parsers, then
classification; every error is collected (row as Excel shows it, column header, message)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tasks.ledger.importing.classify import Row, classify, match_ledger_numbers
from tasks.ledger.importing.columns import COLUMNS, HEADER, HEADERS
from tasks.ledger.importing.extra import check_rows, describe
from tasks.ledger.importing.files import find_header, inspect_file, read_ledger_sheet
from tasks.ledger.importing.parsers import CellError, Context, Lookups
from tasks.ledger.importing.plan import Plan, RowError, Scope
from tasks.models import Programme
from zichuan_heating.spreadsheets import UnusableFile, column_letter

PROGRESS_EVERY = 5000
Progress = Callable[[int, int], None] | None


def validate(
    path: str | Path,
    *,
    programme: Programme,
    scope: Scope,
    create_villages: bool = False,
    progress: Progress = None,
) -> Plan:
    """Check every row; return the plan (errors, or what would be created and updated)."""
    started = time.perf_counter()
    facts = inspect_file(path)
    inspected = time.perf_counter()
    rows = read_ledger_sheet(path)
    read = time.perf_counter()
    header_index, positions = find_header(rows)
    data = _data_rows(rows, header_index)
    plan = Plan(programme=programme, total_rows=len(data))
    plan.timings.update(inspect=inspected - started, read=read - inspected)
    if not data:
        message = _("表头下面没有数据行：请从第 %(row)d 行起填写。") % {"row": header_index + 2}
        plan.errors.append(RowError(None, "", message))
        return plan
    header_of = {col: HEADER[key] for key, col in positions.items()}
    for excel_row, col in facts.formula_cells:
        if excel_row > header_index + 1:
            plan.errors.append(
                RowError(
                    excel_row,
                    header_of.get(col, column_letter(col)),
                    _("该单元格是公式。请复制后“选择性粘贴为数值”，再导入。"),
                )
            )
    lookups = Lookups.load(programme)
    ctx = Context(lookups, scope, create_villages, plan.new_villages)
    parsed = parse_rows(data, positions, header_index + 2, ctx, plan.errors, progress)
    parsed = match_ledger_numbers(parsed, programme, ctx.seen, plan.errors)
    parsed_at = time.perf_counter()
    plan.timings["parse"] = parsed_at - read
    classify(parsed, plan, lookups, progress)
    extra_errors, plan.extras = check_rows(parsed, programme, positions)
    plan.errors.extend(extra_errors)
    if not plan.errors and plan.extras:
        plan.preview["extras"] = describe(plan.extras)
    plan.timings["classify"] = time.perf_counter() - parsed_at
    plan.errors.sort(
        key=lambda e: (e.row or 0, HEADERS.index(e.column) if e.column in HEADERS else 99)
    )
    if plan.errors:
        plan.to_create.clear()
        plan.to_update.clear()
        plan.unchanged = 0
        plan.extras.clear()
    return plan


def _data_rows(rows: list[list[Any]], header_index: int) -> list[list[Any]]:
    data = rows[header_index + 1 :]
    # Trailing blank rows are not data.
    while data and all(c is None or c == "" for c in data[-1]):
        data.pop()
    if len(data) > settings.LEDGER_IMPORT_MAX_ROWS:
        raise UnusableFile(
            _("文件行数过多（%(n)d 行），单个文件最多 %(max)d 行，请拆分后分批导入。")
            % {"n": len(data), "max": settings.LEDGER_IMPORT_MAX_ROWS}
        )
    return data


def parse_rows(
    data: list[list[Any]],
    positions: dict[str, int],
    first_row: int,
    ctx: Context,
    errors: list[RowError],
    progress: Progress,
) -> list[Row]:
    """Each row through the column parsers, in template order; rows without error come back."""
    # In template order; a column missing from the file reads as blank, unless it keeps.
    cols = [
        (c.key, c.header, c.parse, positions.get(c.key, -1))
        for c in COLUMNS
        if c.key in positions or not c.absent_keeps
    ]
    formula_start = _("单元格内容以“=”开头，会被当作公式。请删除开头的“=”。")
    out: list[Row] = []
    total = len(data)
    for offset, cells in enumerate(data):
        if progress and offset and offset % PROGRESS_EVERY == 0:
            progress(offset // 2, total)
        width = len(cells)
        raw = [cells[i] if 0 <= i < width else None for _k, _h, _p, i in cols]
        if all(v is None or v == "" for v in raw):
            continue  # a blank row in the middle: skipped, not an error
        ctx.row = r = first_row + offset
        n_errors = len(errors)
        values: dict[str, Any] = {}
        for (key, header, parse, _i), value in zip(cols, raw, strict=True):
            if type(value) is str and "=" in value and value.lstrip().startswith("="):
                errors.append(RowError(r, header, formula_start))
            try:
                values[key] = parse(value, values, ctx)
            except CellError as e:
                values[key] = None
                errors.append(RowError(r, HEADER[e.key or key], e.message))
        if len(errors) == n_errors:
            out.append(Row(r, values))
    return out
