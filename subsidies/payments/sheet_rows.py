"""Data rows written straight into XlsxWriter's constant-memory row file, for big sheets.

XlsxWriter spends ~25 µs per cell (cell tuples, attribute lists, escaping, one write per
cell); here a row is a few joined strings and repeated texts (town, village, route, items,
season, bank) are rendered once. The XML is the one XlsxWriter's `_write_single_row` /
`_write_cell` write for a row without row formatting in constant-memory mode: an inline string
`<c r=".." s=".." t="inlineStr"><is><t>..</t></is></c>` with XlsxWriter's own control
character escaping, whitespace preservation and XML escaping, a number
`<c r=".." s=".."><v>{:.16G}</v></c>`. Rows 1..n must be written only here; the header
(row 0) and any total row after go through XlsxWriter, which keeps the sheet's dimensions.
`slow_row` writes the same row through XlsxWriter's public calls: the tests compare bytes.
"""

import contextvars
import re
import zipfile
from decimal import Decimal
from typing import Any

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name

# A text that XlsxWriter writes as it is: nothing to escape, no whitespace to preserve.
_NEEDS_CARE = re.compile(r'[&<>"_\x00-\x1f\ufffe\uffff]|^\s|\s$')

#: Column kinds: "n" a number in the text format (序号), "m" money, "N" and "M" the same given
#: as their decimal text (as PostgreSQL's numeric::text and `f"{Decimal:.16G}"` write them:
#: digits, sign and point only), "c" a text that repeats (rendered once and cached; the cache
#: is emptied when it holds `_CACHED` texts), "t" any other text.
KINDS = frozenset("nmNMct")


def slow_row(sheet: Any, n: int, row: tuple, kinds: str, text: Any, money: Any) -> None:
    """One data row through XlsxWriter's public calls: the reference for `FastRows`."""
    for c, (kind, value) in enumerate(zip(kinds, row, strict=True)):
        if kind == "n":
            sheet.write_number(n, c, value, text)
        elif kind == "m":
            sheet.write_number(n, c, value, money)
        elif kind == "M":
            sheet.write_number(n, c, Decimal(value), money)
        elif kind == "N":
            sheet.write_number(n, c, Decimal(value), text)
        else:
            sheet.write_string(n, c, value, text)


class FastRows:
    _FLUSH = 2000
    _CACHED = 20_000

    def __init__(self, sheet: Any, kinds: str, text: Any, money: Any) -> None:
        if not sheet.constant_memory or sheet.excel_version != 2007:
            raise RuntimeError("FastRows needs XlsxWriter's constant_memory mode")
        if not set(kinds) <= KINDS:
            raise ValueError(kinds)
        sheet._write_single_row(1)  # flush the header row (formats get their indices in order)
        self.sheet = sheet
        self.kinds = kinds
        self.letters = [xl_col_to_name(c) for c in range(len(kinds))]
        self.text_s = f' s="{text._get_xf_index()}"'
        self.money_s = f' s="{money._get_xf_index()}"'
        self.cache: dict[str, str] = {}
        self.buf: list[str] = []
        self._row = self._compile()

    def _tail(self, string: str) -> str:
        """Everything of a text cell after its reference."""
        # Letters and digits only (most names and numbers) need no care: no regex for them.
        if len(string) <= 16383 and (string.isalnum() or not _NEEDS_CARE.search(string)):
            return f'{self.text_s} t="inlineStr"><is><t>{string}</t></is></c>'
        sheet = self.sheet
        if len(string) > sheet.xls_strmax // 2 and _utf16_len(string) > sheet.xls_strmax:
            string = _utf16_truncate(string, sheet.xls_strmax)
        string = sheet._escape_control_characters(string)
        if string.startswith("<r>") and string.endswith("</r>"):
            return f'{self.text_s} t="inlineStr"><is>{string}</is></c>'
        preserve = ' xml:space="preserve"' if _preserve_whitespace(string) else ""
        body = sheet._escape_data(string)
        return f'{self.text_s} t="inlineStr"><is><t{preserve}>{body}</t></is></c>'

    def _cached(self, string: str) -> str:
        tail = self.cache.get(string)
        if tail is None:
            if len(self.cache) >= self._CACHED:
                self.cache.clear()
            tail = self.cache[string] = self._tail(string)
        return tail

    def _compile(self) -> Any:
        """One f-string for the whole row, built once from `kinds` (a loop over cells costs
        several times more): `row(r, v)` for the 1-based row number r and the values v."""
        cells = []
        for c, (letter, kind) in enumerate(zip(self.letters, self.kinds, strict=True)):
            ref = f'<c r="{letter}{{r}}"'
            if kind == "c":
                # A hit costs one dict lookup, no Python call (a tail is never empty).
                cells.append(f"{ref}{{hit(v[{c}]) or cached(v[{c}])}}")
            elif kind == "t":
                cells.append(f"{ref}{{tail(v[{c}])}}")
            elif kind in "MN":
                style = self.money_s if kind == "M" else self.text_s
                cells.append(f"{ref}{style}><v>{{v[{c}]}}</v></c>")
            else:
                style = self.money_s if kind == "m" else self.text_s
                cells.append(f"{ref}{style}><v>{{v[{c}]:.16G}}</v></c>")
        body = "".join(cells)  # double quotes only: the f-string below is single-quoted
        source = 'lambda r, v: f\'<row r="{r}">' + body + "</row>'"
        # The source holds only column letters, style indices and indices: never cell data.
        names = {"hit": self.cache.get, "cached": self._cached, "tail": self._tail}
        return eval(source, names)

    def row(self, n: int, row: tuple) -> None:
        self.buf.append(self._row(n + 1, row))
        if len(self.buf) >= self._FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.sheet.fh.write("".join(self.buf))
            self.buf.clear()


#: The deflate level of the workbook being stored, read by `_ZipFile`; None: zipfile's own.
_ZIP_LEVEL: contextvars.ContextVar[int | None] = contextvars.ContextVar("zip_level", default=None)


class _ZipFile(zipfile.ZipFile):
    """The zip file XlsxWriter stores a workbook in; exactly `ZipFile` unless a `FastWorkbook`
    is being stored in this thread or task (XlsxWriter has no option for the level)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level = _ZIP_LEVEL.get()
        if level is not None:
            self.compresslevel = level


xlsxwriter.workbook.ZipFile = _ZipFile


class FastWorkbook(xlsxwriter.Workbook):
    """A workbook whose zip is deflated at level 1: for a sheet of 100,000 households (about
    200 MB of XML) deflating is a third of the time at the default level 6 and a tenth at
    level 1, for a file some 20 % larger. The file stays byte-identical run after run."""

    ZIP_LEVEL = 1

    def _store_workbook(self) -> None:
        token = _ZIP_LEVEL.set(self.ZIP_LEVEL)
        try:
            super()._store_workbook()
        finally:
            _ZIP_LEVEL.reset(token)
