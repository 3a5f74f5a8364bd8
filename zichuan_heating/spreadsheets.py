"""Spreadsheets in and out: the one reader every upload goes through, and the one rule for
text cells every export writes.

Reading (ledger import, bank return, and any later upload): `inspect_workbook` refuses what must
not reach a parser (not a zip, an encrypted or old .xls file, a zip bomb, a missing sheet, too
many rows) by reading the zip directory and streaming the sheet's XML, before `read_sheet`
hands the cells to python-calamine. Every refusal is an `UnusableFile` with a Chinese message.

Writing, one rule for every export (ledger, acceptance register, disbursement sheet):
- characters XML 1.0 forbids, other C0/C1 controls, lone surrogates and invisible direction or
  zero-width marks are removed (tab, newline and carriage return stay: they are valid);
- a cell that a spreadsheet program would run as a formula (starting with = + - @, or a tab or
  carriage return before one) gets a leading apostrophe, shown as text;
- so does a text XlsxWriter would take for raw rich-string XML (`<r>…</r>`).
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from django.utils.translation import gettext as _

_REMOVE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060\ufeff]"
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def remove_controls(text: str) -> str:
    """The characters no cell should hold (controls, invisible marks) removed; the one list."""
    return _REMOVE.sub("", text) if _REMOVE.search(text) else text


def safe_cell(value: Any) -> str:
    text = remove_controls("" if value is None else str(value))
    if text.startswith(FORMULA_START) or (text.startswith("<r>") and text.endswith("</r>")):
        return "'" + text
    return text


# --------------------------------------------------------------------------- reading

#: Zip members may not unpack to more than this in total, nor more than RATIO times their size.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
#: Rows above the data where a title and the header may stand.
HEADER_SEARCH_ROWS = 10
#: Bytes of sheet XML read at a time when counting rows and looking for formulas.
SCAN_CHUNK = 1 << 20


class UnusableFile(Exception):
    """The file as a whole cannot be used; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class WorkbookFacts:
    sheet_path: str
    data_rows_upper_bound: int
    formula_cells: list[tuple[int, int]]  # (excel row, zero-based column)


def _bomb(what: str) -> UnusableFile:
    return UnusableFile(
        _("文件解压后异常巨大（疑似压缩炸弹），已拒绝处理。请上传正常的%(what)s文件。")
        % {"what": what}
    )


def _missing_sheet(name: str) -> UnusableFile:
    return UnusableFile(
        _("找不到名为“%(name)s”的工作表。请使用下载的模板，不要修改工作表名称。") % {"name": name}
    )


def inspect_workbook(
    path: str | Path,
    *,
    sheet_name: str | None,
    max_bytes: int,
    max_rows: int,
    what: str = "",
) -> WorkbookFacts:
    """Refuse what must not reach a parser; return where the sheet lives and its formula cells.

    `sheet_name` None means the workbook's first sheet; `what` names the expected document in
    the messages (e.g. "台账").
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise UnusableFile(_("找不到上传的文件，请重新上传。")) from None
    if size == 0:
        raise UnusableFile(_("文件是空的，请上传填写好的%(what)s xlsx 文件。") % {"what": what})
    if size > max_bytes:
        raise UnusableFile(
            _("文件过大（%(mb).1f MB），最大允许 %(max)d MB。")
            % {"mb": size / 1048576, "max": max_bytes // 1048576}
        )
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise UnusableFile(
            _(
                "该文件已加密（设置了打开密码），或是旧版 .xls 格式。"
                "请取消密码，另存为 Excel 工作簿（.xlsx）后再上传。"
            )
        )
    if not magic.startswith(b"PK"):
        raise UnusableFile(
            _("该文件不是 Excel 工作簿（.xlsx）。请使用下载的模板填写，另存为 .xlsx 后上传。")
        )
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnusableFile(_("文件已损坏，无法作为 Excel 工作簿（.xlsx）打开。")) from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        # Ratios only count for big members: a tiny file of repeated bytes is no bomb.
        big = 1024 * 1024
        bomb = total > MAX_UNCOMPRESSED_BYTES or (
            packed and total > big and total / packed > MAX_COMPRESSION_RATIO
        )
        if bomb:
            raise _bomb(what)
        for info in infos:
            if (
                info.file_size > big
                and info.file_size / max(info.compress_size, 1) > MAX_COMPRESSION_RATIO
            ):
                raise _bomb(what)
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise UnusableFile(
                _("该文件不是 Excel 工作簿（.xlsx）。请使用下载的模板填写，另存为 .xlsx 后上传。")
            )
        sheet_path = _sheet_path(zf, sheet_name)
        if sheet_path is None or sheet_path not in names:
            raise _missing_sheet(sheet_name or "1")
        rows, formulas = _scan_sheet(zf, sheet_path, max_rows + HEADER_SEARCH_ROWS)
    limit = max_rows
    if rows > limit + HEADER_SEARCH_ROWS:
        raise UnusableFile(
            _("文件行数过多（约 %(n)d 行），单个文件最多 %(max)d 行，请拆分后分批导入。")
            % {"n": rows, "max": limit}
        )
    return WorkbookFacts(sheet_path, rows, formulas)


def _xml(zf: zipfile.ZipFile, member: str) -> Any:
    """A small XML member parsed by defusedxml (no entity expansion, no external entities)."""
    try:
        return DefusedET.fromstring(zf.read(member))
    except (DefusedET.ParseError, DefusedXmlException):
        raise UnusableFile(_("文件已损坏，无法作为 Excel 工作簿（.xlsx）打开。")) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_path(zf: zipfile.ZipFile, name: str | None) -> str | None:
    """The zip member of the named (or first) sheet, from workbook.xml and its relationships."""
    rel_id = None
    for sheet in _xml(zf, "xl/workbook.xml").iter():
        if _local(sheet.tag) != "sheet":
            continue
        if name is None or sheet.get("name", "").strip() == name:
            # r:id, in the transitional or the strict relationships namespace
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            break
    if rel_id is None or "xl/_rels/workbook.xml.rels" not in zf.namelist():
        return None
    for rel in _xml(zf, "xl/_rels/workbook.xml.rels").iter():
        if _local(rel.tag) == "Relationship" and rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


_CELL_FORMULA_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?<!/)><f[ >/]')


def _scan_sheet(
    zf: zipfile.ZipFile, sheet_path: str, stop_after: int
) -> tuple[int, list[tuple[int, int]]]:
    """Count rows and find formula cells, streaming the sheet's XML in chunks."""
    rows = 0
    formulas: list[tuple[int, int]] = []
    tail = b""
    with zf.open(sheet_path) as fh:
        while True:
            chunk = fh.read(SCAN_CHUNK)
            if not chunk:
                break
            data = tail + chunk
            # Keep the last cell (and anything after it) for the next round, so a row tag is
            # never counted twice and a cell's <f> is never separated from its <c r="..">.
            cut = data.rfind(b"<c ")
            if cut <= 0:
                cut = data.rfind(b"<")
            head, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            rows += _scan_piece(head, formulas)
            if rows > stop_after:
                break
    rows += _scan_piece(tail, formulas)
    return rows, formulas


def _scan_piece(piece: bytes, formulas: list[tuple[int, int]]) -> int:
    """Rows started in this piece of sheet XML; its formula cells are added to `formulas`."""
    if b"<f" in piece:
        for m in _CELL_FORMULA_RE.finditer(piece):
            formulas.append((int(m.group(2)), column_index(m.group(1).decode())))
    return piece.count(b"<row ") + piece.count(b"<row>")


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_sheet(path: str | Path, *, sheet_name: str | None) -> list[list[Any]]:
    """A sheet's cells as Python values (python-calamine); None names the first sheet."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = (
            workbook.get_sheet_by_index(0)
            if sheet_name is None
            else workbook.get_sheet_by_name(sheet_name)
        )
        return sheet.to_python(skip_empty_area=False)
    except python_calamine.PasswordError:
        raise UnusableFile(_("该文件已加密（设置了打开密码），请取消密码后再上传。")) from None
    except python_calamine.WorksheetNotFound:
        raise _missing_sheet(sheet_name or "1") from None
    except Exception:
        raise UnusableFile(_("文件已损坏，无法作为 Excel 工作簿（.xlsx）读取。")) from None
