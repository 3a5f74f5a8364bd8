"""Reading a utility's readings file: xlsx through the shared reader, or csv with the same
kind of limits (size, rows, columns, clock); the header row found among the first rows."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tasks.ledger.importing.files import best_header_row, header_positions
from tasks.ledger.importing.text import key_text
from zichuan_heating.file_checks import UnusableFile, check_size
from zichuan_heating.spreadsheets import HEADER_SEARCH_ROWS, inspect_workbook, read_sheet

#: The file's columns: key → header. Only the meter number and the two readings are required.
HEADERS = {
    "number": "表号（户号）",
    "id_number": "身份证号",
    "season": "采暖季",
    "start": "起始读数",
    "end": "截止读数",
    "usage": "用量",
    "read_on": "抄表日期",
}
REQUIRED = ("number", "start", "end", "read_on")
MAX_COLUMNS = 20


def max_rows() -> int:
    return getattr(settings, "READINGS_IMPORT_MAX_ROWS", 200_000)


def max_bytes() -> int:
    return getattr(settings, "READINGS_IMPORT_MAX_BYTES", 40 * 1024 * 1024)


def read_rows(path: str | Path) -> list[list[Any]]:
    """The file's cells, row by row; UnusableFile (a Chinese message) when it cannot be used."""
    path = Path(path)
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK") or magic.startswith(b"\xd0\xcf\x11\xe0"):
        inspect_workbook(
            path,
            sheet_name=None,
            max_bytes=max_bytes(),
            max_rows=max_rows(),
            max_columns=MAX_COLUMNS,
            what=_("抄表数据"),
        )
        return read_sheet(path, sheet_name=None, max_columns=MAX_COLUMNS)
    return _read_csv(path)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnusableFile(_("无法识别文件的文字编码，请另存为 UTF-8 编码的 CSV 或 xlsx 后上传。"))


def _read_csv(path: Path) -> list[list[Any]]:
    empty = _("文件是空的，请上传填写好的抄表数据文件（xlsx 或 csv）。")
    check_size(path, max_bytes=max_bytes(), empty=empty)
    data = path.read_bytes()
    if b"\x00" in data:
        raise UnusableFile(_("该文件既不是 Excel 工作簿（.xlsx）也不是 CSV 文本文件。"))
    text = _decode(data)
    deadline = time.monotonic() + settings.SPREADSHEET_READ_SECONDS
    limit = max_rows() + HEADER_SEARCH_ROWS
    rows: list[list[Any]] = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
            if n >= limit:
                raise UnusableFile(
                    _("文件行数过多，单个文件最多 %(max)d 行，请拆分后分批导入。")
                    % {"max": max_rows()}
                )
            if len(row) > MAX_COLUMNS:
                raise UnusableFile(
                    _("第 %(row)d 行有 %(n)d 列，超出允许的 %(max)d 列。")
                    % {"row": n + 1, "n": len(row), "max": MAX_COLUMNS}
                )
            if n % 2000 == 0 and time.monotonic() > deadline:
                raise UnusableFile(_("处理文件超时，已停止。请拆分后分批上传。"))
            rows.append(row)
    except csv.Error:
        raise UnusableFile(_("CSV 文件格式有误（引号不成对等），请用 Excel 另存后上传。")) from None
    return rows


def find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """The header row's index and each column's position; UnusableFile when it is wrong."""
    wanted = {key_text(h): k for k, h in HEADERS.items()}
    # Accept the ASCII-bracket spelling of 表号(户号) too (NFKC folds the full-width form).
    index = best_header_row(rows, wanted)
    if index is None:
        raise UnusableFile(
            _("找不到表头行。表头应包含：%(h)s。") % {"h": "、".join(HEADERS.values())}
        )
    positions, problems = header_positions(rows[index], wanted, HEADERS, REQUIRED)
    if problems:
        raise UnusableFile(
            _("表头有误（第 %(row)d 行）：%(p)s。") % {"row": index + 1, "p": "；".join(problems)}
        )
    return index, positions


def records(path: str | Path) -> list[dict[str, Any]]:
    """The data rows as {row (as Excel counts), key: cell}; blank rows skipped."""
    rows = read_rows(path)
    header, positions = find_header(rows)
    out = []
    for index in range(header + 1, len(rows)):
        row = rows[index]
        cells = {k: (row[c] if c < len(row) else None) for k, c in positions.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        out.append({"row": index + 1, **cells})
    return out
