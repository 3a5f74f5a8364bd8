"""Spreadsheets in and out: the one reader every upload goes through, and the one rule for
text cells every export writes.

Reading (ledger import, bank return, and any later upload): `inspect_workbook` refuses what must
not reach a parser, from the zip directory (not a zip, encrypted or old .xls, a zip bomb, a
macro or an external link), by unpacking every other member once (a broken member; a DTD, so no
entity expansion; a shared-strings table bigger than the cell limit) and by streaming the
sheet's XML once (too many rows, a cell beyond the column or row limit however sparse the sheet,
too many cells, the clock), before `read_sheet` hands the cells to python-calamine, which
allocates the sheet's whole used extent. Every refusal is an `UnusableFile` with a Chinese
message; the limits are settings (SPREADSHEET_*, and each upload's rows and columns).

Writing, one rule for every export (ledger, acceptance register, disbursement sheet):
- characters XML 1.0 forbids, other C0/C1 controls, lone surrogates and invisible direction or
  zero-width marks are removed (tab, newline and carriage return stay: they are valid);
- a cell that a spreadsheet program would run as a formula (starting with = + - @, or a tab or
  carriage return before one) gets a leading apostrophe, shown as text;
- so does a text XlsxWriter would take for raw rich-string XML (`<r>…</r>`).
"""

import re
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zichuan_heating.file_checks import UnusableFile, check_size

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
#: Bytes of XML read at a time when scanning a member.
SCAN_CHUNK = 1 << 20
#: Rows converted between two looks at the clock while reading.
READ_CLOCK_EVERY = 2000


@dataclass
class WorkbookFacts:
    sheet_path: str
    data_rows_upper_bound: int
    formula_cells: list[tuple[int, int]]  # (excel row, zero-based column)


@dataclass
class _Limits:
    """What a sheet may use; `deadline` is a time.monotonic() value."""

    rows: int
    columns: int
    cells: int
    deadline: float
    seconds: int

    @classmethod
    def make(cls, *, rows: int, columns: int | None) -> "_Limits":
        seconds = settings.SPREADSHEET_READ_SECONDS
        return cls(
            rows=rows,
            columns=columns or settings.SPREADSHEET_MAX_COLUMNS,
            cells=settings.SPREADSHEET_MAX_CELLS,
            deadline=time.monotonic() + seconds,
            seconds=seconds,
        )

    def check_clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise UnusableFile(
                _("处理文件超时（超过 %(s)d 秒），已停止。请检查文件内容，或拆分后分批上传。")
                % {"s": self.seconds}
            )

    def check_extent(self, row: int, column: int) -> None:
        """`row` as Excel counts (1-based), `column` zero-based: refuse a cell beyond the limits."""
        if column >= self.columns:
            raise UnusableFile(
                _(
                    "工作表用到了第 %(col)s 列，超出允许的 %(max)d 列。"
                    "请删除多余的列（包括看不见的内容和格式）后重新保存上传。"
                )
                % {"col": column_letter(column), "max": self.columns}
            )
        if row > self.rows:
            raise UnusableFile(
                _(
                    "工作表用到了第 %(row)d 行，单个文件最多 %(max)d 行。"
                    "请删除多余的行（包括看不见的内容），或拆分后分批上传。"
                )
                % {"row": row, "max": self.rows - HEADER_SEARCH_ROWS}
            )

    def check_cells(self, cells: int) -> None:
        if cells > self.cells:
            raise UnusableFile(
                _("文件的单元格过多（超过 %(max)d 个），请拆分后分批上传。") % {"max": self.cells}
            )


#: What reading a broken zip member raises (zipfile, zlib, a cut-off file, an odd method).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError)
# The refusals, each written once.
DAMAGED = gettext_lazy("文件已损坏，请重新保存后上传")  # bad CRC, broken deflate data, cut off
_NOT_XLSX = gettext_lazy(
    "该文件不是 Excel 工作簿（.xlsx）。请使用下载的模板填写，另存为 .xlsx 后上传。"
)
_ENCRYPTED = gettext_lazy(
    "该文件已加密（设置了打开密码），或是旧版 .xls 格式。"
    "请取消密码，另存为 Excel 工作簿（.xlsx）后再上传。"
)
_DTD = gettext_lazy(
    "文件含有不允许的 XML 定义（DTD 或实体），已拒绝处理。请用 Excel 重新保存后上传。"
)
_BOMB = gettext_lazy("文件解压后异常巨大（疑似压缩炸弹），已拒绝处理。请上传正常的%(what)s文件。")
_MISSING_SHEET = gettext_lazy(
    "找不到名为“%(name)s”的工作表。请使用下载的模板，不要修改工作表名称。"
)


def refusal(message: Any, **params: Any) -> UnusableFile:
    return UnusableFile(str(message) % params if params else str(message))


def inspect_workbook(
    path: str | Path,
    *,
    sheet_name: str | None,
    max_bytes: int,
    max_rows: int,
    max_columns: int | None = None,
    what: str = "",
) -> WorkbookFacts:
    """Refuse what must not reach a parser; return where the sheet lives and its formula cells.

    `sheet_name` None means the workbook's first sheet; `what` names the expected document in
    the messages (e.g. "台账"); `max_columns` defaults to SPREADSHEET_MAX_COLUMNS.
    """
    path = Path(path)
    empty = _("文件是空的，请上传填写好的%(what)s xlsx 文件。") % {"what": what}
    check_size(path, max_bytes=max_bytes, empty=empty)
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise refusal(_ENCRYPTED)
    if not magic.startswith(b"PK"):
        raise refusal(_NOT_XLSX)
    limits = _Limits.make(rows=max_rows + HEADER_SEARCH_ROWS, columns=max_columns)
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        raise refusal(DAMAGED) from None
    try:
        with zf:
            sheet_path = _check_package(zf, sheet_name, what)
            _check_members(zf, skip=sheet_path, limits=limits)
            rows, formulas = _scan_sheet(zf, sheet_path, limits)
    except _ZIP_ERRORS:
        raise refusal(DAMAGED) from None
    if rows > limits.rows:
        raise UnusableFile(
            _("文件行数过多（约 %(n)d 行），单个文件最多 %(max)d 行，请拆分后分批导入。")
            % {"n": rows, "max": max_rows}
        )
    return WorkbookFacts(sheet_path, rows, formulas)


def _check_package(zf: zipfile.ZipFile, sheet_name: str | None, what: str) -> str:
    """From the zip directory: no bomb, no encrypted member, no macro, no external link, and
    the sheet's member."""
    infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    # Ratios only count for big members: a tiny file of repeated bytes is no bomb.
    big = 1024 * 1024
    if total > MAX_UNCOMPRESSED_BYTES or (
        packed and total > big and total / packed > MAX_COMPRESSION_RATIO
    ):
        raise refusal(_BOMB, what=what)
    for info in infos:
        if info.file_size > big and info.file_size / max(info.compress_size, 1) > 100:
            raise refusal(_BOMB, what=what)
        if info.flag_bits & 0x1:
            raise refusal(_ENCRYPTED)
    names = {i.filename for i in infos}
    if len(names) != len(infos):  # which of two same-named members would a reader take?
        raise refusal(DAMAGED)
    if "xl/workbook.xml" not in names:
        raise refusal(_NOT_XLSX)
    lowered = {n.lower() for n in names}
    types = _xml(zf, "[Content_Types].xml") if "[Content_Types].xml" in names else None
    content_types = [e.get("ContentType", "") for e in types.iter()] if types is not None else []
    if any(n.endswith("vbaproject.bin") for n in lowered) or any(
        "macroenabled" in t.lower() or "vbaproject" in t.lower() for t in content_types
    ):
        raise UnusableFile(
            _("文件含有宏（VBA 代码），已拒绝处理。请另存为不含宏的 Excel 工作簿（.xlsx）后上传。")
        )
    if any(n.startswith("xl/externallinks/") for n in lowered) or any(
        "externallink" in t.lower() for t in content_types
    ):
        raise UnusableFile(
            _(
                "文件含有指向其他文件的外部链接，已拒绝处理。"
                "请在 Excel 中断开链接（数据 → 编辑链接 → 断开链接），重新保存后上传。"
            )
        )
    sheet_path = _sheet_path(zf, sheet_name)
    if sheet_path is None or sheet_path not in names:
        raise refusal(_MISSING_SHEET, name=sheet_name or "1")
    return sheet_path


_SST_COUNT_RE = re.compile(rb'\b(?:uniqueCount|count)\s*=\s*["\'](\d+)')


def _check_members(zf: zipfile.ZipFile, *, skip: str, limits: _Limits) -> None:
    """Unpack every member but the sheet once, in chunks: a broken member (bad CRC, broken
    deflate data) raises here; no XML member declares a DTD (entity expansion); the shared
    strings table is no bigger than the cells it could serve (python-calamine reserves room
    for the count the file states, before reading a single string)."""
    for info in zf.infolist():
        if info.filename == skip or info.is_dir():
            continue
        name = info.filename.lower()
        xml = name.endswith((".xml", ".rels", ".vml"))
        shared = name.endswith("sharedstrings.xml")
        declared = counted = 0
        with zf.open(info) as fh:
            first = True
            while chunk := fh.read(SCAN_CHUNK):
                limits.check_clock()
                if first and xml and (b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk):
                    raise refusal(_DTD)
                if shared:
                    if first:
                        start = chunk[: chunk.find(b">", chunk.find(b"sst")) + 1]
                        declared = max([int(n) for n in _SST_COUNT_RE.findall(start)] or [0])
                    counted += chunk.count(b"si>") // 2 + chunk.count(b"si/>")
                    if max(declared, counted) > limits.cells:
                        raise UnusableFile(
                            _("文件的共享字符串表异常巨大（超过 %(max)d 项），已拒绝处理。")
                            % {"max": limits.cells}
                        )
                first = False


def _xml(zf: zipfile.ZipFile, member: str) -> Any:
    """A small XML member parsed by defusedxml (no entity expansion, no external entities)."""
    try:
        return DefusedET.fromstring(zf.read(member))
    except DefusedXmlException:
        raise refusal(_DTD) from None
    except DefusedET.ParseError:
        raise refusal(DAMAGED) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_path(zf: zipfile.ZipFile, name: str | None) -> str | None:
    """The zip member of the named (or first) sheet, from workbook.xml and its relationships."""
    rel_id = None
    for sheet in _xml(zf, "xl/workbook.xml").iter():
        if _local(sheet.tag) != "sheet":
            continue
        # exactly the name python-calamine will look up: the sheet checked is the sheet read
        if name is None or sheet.get("name") == name:
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


# The sheet's XML is streamed once. Per chunk, the fast path handles what every known writer
# produces (Excel, WPS, LibreOffice, openpyxl, xlsxwriter): unprefixed tags, each cell with its
# reference first (`<c r="B7"`); one regex then finds any reference beyond the limits. Any other
# chunk (r-less cells, namespace prefixes, quotes or attribute order of other writers, the
# <cols> and <conditionalFormatting> blocks) goes through the exact path, tag by tag, with
# python-calamine's own rule: a cell without a reference follows the previous one.
_CELL_FORMULA_RE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?<!/)><f[ >/]')
_TAG_RE = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_REF_RE = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*([A-Za-z]*)(\d*)""")
_PREFIXED_RE = re.compile(rb":(?:row|c)[\s/>]")
_ROW_RE = re.compile(rb'<row r="(\d+)"')


@dataclass
class _SheetScan:
    limits: _Limits
    over: re.Pattern[bytes]
    rows: int = 0
    cells: int = 0
    row: int = 0  # the last row started (1-based) and the last cell's column (0-based)
    column: int = -1


def _scan_sheet(
    zf: zipfile.ZipFile, sheet_path: str, limits: _Limits
) -> tuple[int, list[tuple[int, int]]]:
    """Count rows, find formula cells and refuse cells beyond the limits, in one streaming pass."""
    scan = _SheetScan(limits, _over_limits_re(limits.rows, limits.columns))
    formulas: list[tuple[int, int]] = []
    tail = b""
    first = True
    with zf.open(sheet_path) as fh:
        while True:
            chunk = fh.read(SCAN_CHUNK)
            if not chunk:
                break
            limits.check_clock()
            if first and (b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk):
                raise refusal(_DTD)
            if first and b"worksheet" not in chunk:  # a prolog a megabyte long: no sheet
                raise refusal(DAMAGED)
            first = False
            data = tail + chunk
            # Keep the last cell (and anything after it) for the next round, so a row tag is
            # never counted twice and a cell's <f> is never separated from its <c r="..">.
            cut = data.rfind(b"<c ")
            if cut <= 0:
                cut = data.rfind(b"<")
            head, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            _scan_piece(head, scan, formulas)
            if scan.rows > limits.rows:
                return scan.rows, formulas
    _scan_piece(tail, scan, formulas)
    return scan.rows, formulas


def _scan_piece(piece: bytes, scan: _SheetScan, formulas: list[tuple[int, int]]) -> None:
    """Rows, cells and formula cells of this piece of sheet XML; refuse one beyond the limits."""
    if b"<f" in piece:
        for m in _CELL_FORMULA_RE.finditer(piece):
            formulas.append((int(m.group(2)), column_index(m.group(1).decode())))
    refs = piece.count(b'<c r="')
    started = piece.count(b"<row ")
    numbered = piece.count(b'<row r="')
    fast = (
        piece.count(b"<c") == refs
        and started == numbered
        and b"<row>" not in piece
        and not _PREFIXED_RE.search(piece)
    )
    if not fast:
        _scan_exact(piece, scan)
    else:
        scan.rows += started
        scan.cells += refs
        if numbered:  # where python-calamine would put a following cell without reference
            scan.row = int(_ROW_RE.match(piece, piece.rfind(b'<row r="')).group(1))
        beyond = scan.over.search(piece)
        if beyond:
            letters, digits = _REF_RE.search(piece, beyond.start() + 2).groups()
            scan.limits.check_extent(int(digits), column_index(letters.decode().upper()))
    scan.limits.check_cells(scan.cells)


def _scan_exact(piece: bytes, scan: _SheetScan) -> None:
    for m in _TAG_RE.finditer(piece):
        ref = _REF_RE.search(m.group(2))
        letters, digits = ref.groups() if ref else (b"", b"")
        if m.group(1) == b"row":
            scan.rows += 1
            scan.row = int(digits) if digits else scan.row + 1
            scan.column = -1
            continue
        scan.cells += 1
        row = scan.row
        if letters and digits:
            row, scan.column = int(digits), column_index(letters.decode().upper())
        else:
            scan.column += 1
        scan.limits.check_extent(row, scan.column)


def _over_limits_re(max_row: int, max_columns: int) -> re.Pattern[bytes]:
    """A regex matching a cell reference `<c r="…` whose column is past `max_columns` or whose
    row is past `max_row`; it runs over the whole sheet without building a match per cell."""
    letters = column_letter(max_columns - 1)
    over_columns = [f"[A-Za-z]{{{len(letters) + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            prefix = "".join(f"[{c}{c.lower()}]" for c in letters[:i])
            nxt = chr(ord(ch) + 1)
            rest = len(letters) - i - 1
            over_columns.append(f"{prefix}[{nxt}-Z{nxt.lower()}-z][A-Za-z]{{{rest}}}")
    digits = str(max_row)
    over_rows = [f"[1-9][0-9]{{{len(digits)},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            over_rows.append(f"{digits[:i]}[{int(ch) + 1}-9][0-9]{{{len(digits) - i - 1}}}")
    pattern = f'<c r="(?:(?:{"|".join(over_columns)})[0-9]|[A-Za-z]+0*(?:{"|".join(over_rows)})")'
    return re.compile(pattern.encode())


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


def read_sheet(
    path: str | Path, *, sheet_name: str | None, max_columns: int | None = None
) -> list[list[Any]]:
    """A sheet's cells as Python values (python-calamine); None names the first sheet.

    Call it only on a file `inspect_workbook` accepted: python-calamine allocates the sheet's
    whole used extent when it loads it, so the extent must have been checked before. Rows come
    one at a time, each as wide as the used extent, from row 1 and column A, with the clock
    looked at on the way.
    """
    import python_calamine

    limits = _Limits.make(rows=0, columns=max_columns)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = (
            workbook.get_sheet_by_index(0)
            if sheet_name is None
            else workbook.get_sheet_by_name(sheet_name)
        )
        if sheet.end and sheet.end[1] >= limits.columns:
            limits.check_extent(0, sheet.end[1])
        # iter_rows starts at row 1 but at the first used column: pad to column A.
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        rows: list[list[Any]] = []
        for n, row in enumerate(sheet.iter_rows()):
            if n % READ_CLOCK_EVERY == 0:
                limits.check_clock()
            rows.append(pad + row if pad else row)
        return rows
    except UnusableFile:
        raise
    except python_calamine.PasswordError:
        raise UnusableFile(_("该文件已加密（设置了打开密码），请取消密码后再上传。")) from None
    except python_calamine.WorksheetNotFound:
        raise refusal(_MISSING_SHEET, name=sheet_name or "1") from None
    except Exception:
        raise refusal(DAMAGED) from None
