"""The disbursement sheet (发放表) of a batch, written with XlsxWriter in constant-memory mode.

Sheets: 汇总 (by town and route), then one sheet per town in town order. Lines stream from the
database ordered by town, village, name and line id, so the file depends only on the batch's
content: the workbook's properties carry a fixed date (the batch's preparation date) and
XlsxWriter writes fixed zip timestamps, so an unchanged batch gives a byte-identical file.
Text cells are cleaned of control characters and neutralised against formula injection.
"""

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any, BinaryIO

import xlsxwriter
from django.db.models import Count, Sum
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate

from subsidies.models import BatchLine, DisbursementBatch, InstalmentItem, LineState
from subsidies.money import ZERO
from tasks.models import Route
from tasks.validators import mask_id_number
from zichuan_heating.spreadsheets import safe_cell

HEADERS = [
    "序号",
    "镇（街道）",
    "村（居）",
    "户主姓名",
    "身份证号",
    "改造方式",
    "补贴项目",
    "采暖季",
    "金额（元）",
]
WIDTHS = [7, 12, 14, 10, 21, 10, 14, 11, 13]
# A text that XlsxWriter writes as it is: nothing to escape, no whitespace to preserve.
_NEEDS_CARE = re.compile(r'[&<>"_\x00-\x1f\ufffe\uffff]|^\s|\s$')
# The sheet is an official Chinese document: fixed labels, whatever the UI language.
_ROUTES = {Route.CENTRAL: "集中供暖", Route.GAS: "气代煤", Route.ELECTRIC: "电代煤"}
_ITEMS = {
    InstalmentItem.CONSTRUCTION: "建设补贴",
    InstalmentItem.EQUIPMENT: "设备购置补贴",
    InstalmentItem.OPERATING: "运行费用补贴",
}


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "sheet"
    out, n = base, 2
    while out in used:
        out = f"{base[:28]}-{n}"
        n += 1
    used.add(out)
    return out


def write_disbursement(
    batch: DisbursementBatch, out: BinaryIO | str, *, full_id: bool, _fast_rows: bool = True
) -> Decimal:
    """Write the sheet; returns the grand total, which equals the batch total to the fen.

    The town sheets' data rows go through `_FastRows`, which writes the very XML XlsxWriter
    writes for them (`_fast_rows=False` uses XlsxWriter's own cell calls; the tests check that
    both give the same bytes).
    """
    lines = BatchLine.objects.filter(batch=batch).exclude(state=LineState.FAILED)
    summary = _summary(lines)
    grand = sum((r["total"] for r in summary), ZERO)
    if grand != batch.total_amount:
        raise ValueError(
            f"batch {batch.pk}: lines total {grand} != batch total {batch.total_amount}"
        )
    wb, formats = _workbook(batch, out)
    used: set[str] = set()
    towns, town_totals = _write_summary(wb, formats, used, batch, summary, grand, full_id)
    _write_town_sheets(
        wb, formats, used, _line_stream(lines), dict(towns), town_totals, full_id, _fast_rows
    )
    wb.close()
    return grand


def _summary(lines: Any) -> list[dict[str, Any]]:
    """Lines and amount per town and route, in town order."""
    return list(
        lines.values(
            "instalment__household__town_id",
            "instalment__household__town__name",
            "instalment__household__town__order",
            "instalment__household__route",
        )
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("instalment__household__town__order", "instalment__household__route")
    )


def _workbook(batch: DisbursementBatch, out: BinaryIO | str) -> tuple[Any, dict[str, Any]]:
    """The workbook with its fixed properties, and its cell formats (created in this order)."""
    wb = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "in_memory": False,
        },
    )
    created = datetime.datetime.combine(batch.prepared_at.date(), datetime.time())
    wb.set_properties(
        {
            "title": f"{batch.programme.name} {batch.season} 补贴发放表 {batch.number}",
            "author": "淄川区清洁取暖管理系统",
            "company": "淄川区财政局",
            "created": created,
        }
    )
    formats = {
        "bold": wb.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1}),
        "money": wb.add_format({"num_format": "#,##0.00", "border": 1}),
        "money_bold": wb.add_format({"num_format": "#,##0.00", "bold": True, "border": 1}),
        "text": wb.add_format({"border": 1}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
    }
    return wb, formats


def _write_summary(
    wb: Any,
    f: dict[str, Any],
    used: set[str],
    batch: DisbursementBatch,
    summary: list[dict[str, Any]],
    grand: Decimal,
    full_id: bool,
) -> tuple[list[tuple[int, str]], dict[int, Decimal]]:
    """The 汇总 sheet; returns the towns in order and each town's total."""
    ws = wb.add_worksheet(_sheet_name("汇总", used))
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 3, 14)
    heading = f"{batch.programme.name} {batch.season} 补贴发放汇总表（{batch.number}）"
    ws.write_string(0, 0, safe_cell(heading), f["title"])
    for c, h in enumerate(("镇（街道）", "改造方式", "笔数", "金额（元）")):
        ws.write_string(1, c, h, f["bold"])
    row = 2
    town_totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    towns: list[tuple[int, str]] = []
    for r in summary:
        tid = r["instalment__household__town_id"]
        if not towns or towns[-1][0] != tid:
            towns.append((tid, r["instalment__household__town__name"]))
        town_totals[tid] += r["total"]
        ws.write_string(row, 0, safe_cell(r["instalment__household__town__name"]), f["text"])
        ws.write_string(row, 1, _ROUTES.get(r["instalment__household__route"], ""), f["text"])
        ws.write_number(row, 2, r["n"], f["text"])
        ws.write_number(row, 3, r["total"], f["money"])
        row += 1
    ws.write_string(row, 0, "合计", f["bold"])
    ws.write_string(row, 1, "", f["bold"])
    ws.write_number(row, 2, sum(r["n"] for r in summary), f["money_bold"])
    ws.write_number(row, 3, grand, f["money_bold"])
    ws.write_string(row + 2, 0, "身份证号" + ("完整显示" if full_id else "已脱敏"))
    return towns, town_totals


def _line_stream(lines: Any) -> Any:
    """The data rows, streamed from the database in town, village, name, line order."""
    return (
        lines.order_by(
            "instalment__household__town__order",
            "instalment__household__village__name",
            "instalment__household__head_name",
            "id",
        )
        .values_list(
            "instalment__household__town_id",
            "instalment__household__village__name",
            "instalment__household__head_name",
            "instalment__household__id_number",
            "instalment__household__route",
            "instalment__item",
            "instalment__season",
            "amount",
        )
        .iterator(chunk_size=5000)
    )


def _write_town_sheets(
    wb: Any,
    f: dict[str, Any],
    used: set[str],
    stream: Any,
    names: dict[int, str],
    town_totals: dict[int, Decimal],
    full_id: bool,
    fast_rows: bool,
) -> None:
    """One sheet per town: the header, its lines, its total."""
    villages: dict[str, str] = {}  # each village's cleaned name, computed once
    current = None
    sheet = None
    n = 0
    fast = None
    for tid, village, head, idn, route, item, season, amount in stream:
        if tid != current:
            if sheet is not None:
                _close_town(sheet, fast, n, town_totals[current], f)
            current = tid
            sheet = _town_sheet(wb, f, used, names[tid])
            n = 0
            town_name = safe_cell(names[tid])
            fast = _FastRows(sheet, f["text"], f["money"]) if fast_rows else None
        n += 1
        v = villages.get(village)
        if v is None:
            v = villages[village] = safe_cell(village)
        row = (
            n,
            town_name,
            v,
            safe_cell(head),
            safe_cell(idn if full_id else mask_id_number(idn)),
            _ROUTES.get(route, ""),
            _ITEMS.get(item, ""),
            season or "一次性补贴",
            amount,
        )
        if fast is not None:
            fast.row(n, row)
        else:
            _slow_row(sheet, n, row, f["text"], f["money"])
    if sheet is not None:
        _close_town(sheet, fast, n, town_totals[current], f)


def _town_sheet(wb: Any, f: dict[str, Any], used: set[str], name: str) -> Any:
    sheet = wb.add_worksheet(_sheet_name(name, used))
    for c, w in enumerate(WIDTHS):
        sheet.set_column(c, c, w)
    for c, h in enumerate(HEADERS):
        sheet.write_string(0, c, h, f["bold"])
    return sheet


def _close_town(sheet: Any, fast: Any, n: int, total: Decimal, f: dict[str, Any]) -> None:
    if fast is not None:
        fast.flush()
    _town_total(sheet, n, total, f["bold"], f["money_bold"])


def _slow_row(sheet: Any, n: int, row: tuple, text: Any, money: Any) -> None:
    """One data row through XlsxWriter's public calls: the reference for `_FastRows`."""
    sheet.write_number(n, 0, row[0], text)
    for c in range(1, 8):
        sheet.write_string(n, c, row[c], text)
    sheet.write_number(n, 8, row[8], money)


class _FastRows:
    """Data rows of a town sheet written straight into XlsxWriter's constant-memory row file.

    XlsxWriter spends ~25 µs per cell (cell tuples, attribute lists, escaping, one write per
    cell); here a row is one f-string and repeated texts (town, village, route, item, season)
    are rendered once. The XML is the one XlsxWriter's `_write_single_row` / `_write_cell`
    write for a row without row formatting in constant-memory mode: an inline string
    `<c r=".." s=".." t="inlineStr"><is><t>..</t></is></c>` with XlsxWriter's own control
    character escaping, whitespace preservation and XML escaping, a number
    `<c r=".." s=".."><v>{:.16G}</v></c>`. Rows 1..n must be written only here; the header
    (row 0) and the total (row n+1) go through XlsxWriter, which keeps the sheet's dimensions.
    """

    _FLUSH = 2000

    def __init__(self, sheet: Any, text: Any, money: Any) -> None:
        if not sheet.constant_memory or sheet.excel_version != 2007:
            raise RuntimeError("_FastRows needs XlsxWriter's constant_memory mode")
        sheet._write_single_row(1)  # flush the header row (formats get their indices in order)
        self.sheet = sheet
        self.text_s = f' s="{text._get_xf_index()}"'
        self.money_s = f' s="{money._get_xf_index()}"'
        self.cache: dict[str, str] = {}
        self.buf: list[str] = []

    def _tail(self, string: str) -> str:
        """Everything of a text cell after its reference."""
        if len(string) <= 16383 and not _NEEDS_CARE.search(string):
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
            tail = self.cache[string] = self._tail(string)
        return tail

    def row(self, n: int, row: tuple) -> None:
        r = n + 1
        c = self._cached
        self.buf.append(
            f'<row r="{r}"><c r="A{r}"{self.text_s}><v>{row[0]:.16G}</v></c>'
            f'<c r="B{r}"{c(row[1])}<c r="C{r}"{c(row[2])}'
            f'<c r="D{r}"{self._tail(row[3])}<c r="E{r}"{self._tail(row[4])}'
            f'<c r="F{r}"{c(row[5])}<c r="G{r}"{c(row[6])}<c r="H{r}"{c(row[7])}'
            f'<c r="I{r}"{self.money_s}><v>{row[8]:.16G}</v></c></row>'
        )
        if len(self.buf) >= self._FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.sheet.fh.write("".join(self.buf))
            self.buf.clear()


def _town_total(sheet: Any, n: int, total: Decimal, bold: Any, money_bold: Any) -> None:
    sheet.write_string(n + 1, 0, "合计", bold)
    for c in range(1, 8):
        sheet.write_string(n + 1, c, "", bold)
    sheet.write_number(n + 1, 8, total, money_bold)
