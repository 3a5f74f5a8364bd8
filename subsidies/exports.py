"""The disbursement sheet (发放表) of a batch, written with XlsxWriter in constant-memory mode.

Sheets: 汇总 (by town and route, and what each fund source pays), one sheet per town in town
order with ONE line per household (its items summed, with the 明细编号 the bank's return keys
on and the payment account), and 明细 with every item of every household. Households stream
from the database ordered by town, village, name and household, each with its items in line
order (grouped in one query on PostgreSQL, amounts as their decimal text), so both sheets are
written in one pass and the file depends only on the batch's content: the workbook's
properties carry a fixed date (the batch's preparation date) and XlsxWriter writes fixed zip
timestamps, so an unchanged batch gives a byte-identical file. Text cells are cleaned of
control characters and neutralised against formula injection; ID and account numbers are
masked unless `full_id`.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

from django.db import connection, transaction
from django.db.models import Count, Sum

from subsidies.models import BatchLine, DisbursementBatch, InstalmentItem, LineState
from subsidies.money import ZERO
from subsidies.payments.models import AccountKind, detail_number
from subsidies.payments.sheet_rows import FastRows, FastWorkbook, slow_row
from subsidies.payments.validators import mask_account_number
from tasks.models import Route
from tasks.validators import mask_id_number
from zichuan_heating.spreadsheets import safe_cell

HEADERS = [
    "序号",
    "明细编号",
    "镇（街道）",
    "村（居）",
    "户主姓名",
    "身份证号",
    "账户类型",
    "开户银行",
    "户名",
    "账号",
    "改造方式",
    "补贴项目",
    "项数",
    "金额（元）",
]
WIDTHS = [7, 17, 12, 14, 10, 21, 14, 16, 10, 23, 10, 30, 6, 13]
KINDS = "ntccttccttccnM"
DETAIL_HEADERS = ["明细编号", "镇（街道）", "户主姓名", "补贴项目", "采暖季", "金额（元）", "行号"]
DETAIL_WIDTHS = [17, 12, 10, 14, 11, 13, 9]
DETAIL_KINDS = "cccccMN"  # 明细编号 and name repeat for each item of a household
DETAIL_SHEET = "明细"
# The sheet is an official Chinese document: fixed labels, whatever the UI language.
_ROUTES = {Route.CENTRAL: "集中供暖", Route.GAS: "气代煤", Route.ELECTRIC: "电代煤"}
_ITEMS = {
    InstalmentItem.CONSTRUCTION: "建设补贴",
    InstalmentItem.EQUIPMENT: "设备购置补贴",
    InstalmentItem.OPERATING: "运行费用补贴",
}
_KINDS = {AccountKind.ONE_CARD: "一卡通", AccountKind.BANK: "银行账户"}
_SOURCES = {"central": "中央", "provincial": "省级", "municipal": "市级", "district": "区级"}
_H = "instalment__household__"


def _clean(value: str | None) -> str:
    """`safe_cell`, skipped for a text of letters and digits only (nothing to remove, no
    formula start): most names, ID and account numbers."""
    return value if value and value.isalnum() else safe_cell(value)


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

    Data rows go through `FastRows`, which writes the very XML XlsxWriter writes for them
    (`_fast_rows=False` uses XlsxWriter's own cell calls; the tests check both give the same
    bytes).
    """
    from subsidies.payments.queries import batch_by_source

    lines = BatchLine.objects.filter(batch=batch).exclude(state=LineState.FAILED)
    summary = _summary(lines)
    grand = sum((r["total"] for r in summary), ZERO)
    if grand != batch.total_amount:
        raise ValueError(
            f"batch {batch.pk}: lines total {grand} != batch total {batch.total_amount}"
        )
    wb, formats = _workbook(batch, out)
    used: set[str] = set()
    towns = _write_summary(wb, formats, used, batch, summary, grand, full_id)
    _write_sources(wb.worksheets()[0], formats, len(summary) + 5, batch_by_source(batch))
    writer = _SheetWriter(wb, formats, used, towns, full_id, _fast_rows)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The ordered stream of a big batch is one sort: in memory, not in temp files.
            cursor.execute("SET LOCAL work_mem = '128MB'")
        writer.write(batch.pk, household_stream(batch), grand)
    wb.close()
    return grand


def _summary(lines: Any) -> list[dict[str, Any]]:
    """Households, items and amount per town and route, in town order."""
    return list(
        lines.values(f"{_H}town_id", f"{_H}town__name", f"{_H}town__order", f"{_H}route")
        .annotate(total=Sum("amount"), n=Count("id"), households=Count(f"{_H}id", distinct=True))
        .order_by(f"{_H}town__order", f"{_H}route")
    )


def _workbook(batch: DisbursementBatch, out: BinaryIO | str) -> tuple[Any, dict[str, Any]]:
    """The workbook with its fixed properties, and its cell formats (created in this order)."""
    wb = FastWorkbook(
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
) -> list[tuple[int, str, Decimal]]:
    """The 汇总 sheet; returns the towns in order with each town's total."""
    ws = wb.add_worksheet(_sheet_name("汇总", used))
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 4, 14)
    heading = f"{batch.programme.name} {batch.season} 补贴发放汇总表（{batch.number}）"
    ws.write_string(0, 0, safe_cell(heading), f["title"])
    for c, h in enumerate(("镇（街道）", "改造方式", "户数", "项数", "金额（元）")):
        ws.write_string(1, c, h, f["bold"])
    row = 2
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    towns: list[tuple[int, str]] = []
    for r in summary:
        tid = r[f"{_H}town_id"]
        if not towns or towns[-1][0] != tid:
            towns.append((tid, r[f"{_H}town__name"]))
        totals[tid] += r["total"]
        ws.write_string(row, 0, safe_cell(r[f"{_H}town__name"]), f["text"])
        ws.write_string(row, 1, _ROUTES.get(r[f"{_H}route"], ""), f["text"])
        ws.write_number(row, 2, r["households"], f["text"])
        ws.write_number(row, 3, r["n"], f["text"])
        ws.write_number(row, 4, r["total"], f["money"])
        row += 1
    ws.write_string(row, 0, "合计", f["bold"])
    ws.write_string(row, 1, "", f["bold"])
    ws.write_number(row, 2, sum(r["households"] for r in summary), f["money_bold"])
    ws.write_number(row, 3, sum(r["n"] for r in summary), f["money_bold"])
    ws.write_number(row, 4, grand, f["money_bold"])
    ws.write_string(row + 2, 0, "身份证号、账号" + ("完整显示" if full_id else "已脱敏"))
    return [(tid, name, totals[tid]) for tid, name in towns]


def _write_sources(ws: Any, f: dict[str, Any], row: int, sources: list[dict]) -> None:
    """Below the summary: what each fund source pays of this batch (sums to the total)."""
    ws.write_string(row, 0, "资金来源", f["bold"])
    ws.write_string(row, 1, "金额（元）", f["bold"])
    for n, s in enumerate(sources, start=1):
        ws.write_string(row + n, 0, _SOURCES.get(s["source"], "未设定来源"), f["text"])
        ws.write_number(row + n, 1, s["amount"], f["money"])


def _line_stream(lines: Any) -> Any:
    """The items, streamed in town, village, name, household, line order."""
    return (
        lines.order_by(f"{_H}town__order", f"{_H}village__name", f"{_H}head_name", f"{_H}id", "id")
        .values_list(
            f"{_H}town_id",
            f"{_H}id",
            f"{_H}village__name",
            f"{_H}head_name",
            f"{_H}id_number",
            f"{_H}route",
            f"{_H}payment_account__kind",
            f"{_H}payment_account__bank",
            f"{_H}payment_account__holder",
            f"{_H}payment_account__number",
            "instalment__item",
            "instalment__season",
            "amount",
            "id",
        )
        .iterator(chunk_size=5000)
    )


#: One row per household of the batch: (town, household, village, name, ID number, route,
#: account kind, bank, holder, account number, items, total), in the order of `_line_stream`.
#: `items` is "item,season,amount,line id" per line, in line order, joined by ";" (item codes,
#: seasons and numbers hold neither separator): one text decodes and splits far faster than
#: four arrays. Amounts are numeric::text, which is how `f"{Decimal:.16G}"` writes them.
_HOUSEHOLDS_SQL = """
WITH items AS (
    SELECT i.household_id AS hid,
           string_agg(i.item || ',' || i.season || ',' || l.amount::text || ',' || l.id::text,
                      ';' ORDER BY l.id) AS items,
           sum(l.amount)::text AS total
    FROM {line} l JOIN {instalment} i ON i.id = l.instalment_id
    WHERE l.batch_id = %s AND l.state <> %s
    GROUP BY i.household_id
)
SELECT h.town_id, h.id, v.name, h.head_name, h.id_number, h.route,
       a.kind, a.bank, a.holder, a.number, x.items, x.total
FROM items x
JOIN {household} h ON h.id = x.hid
JOIN {town} t ON t.id = h.town_id
JOIN {village} v ON v.id = h.village_id
LEFT JOIN {account} a ON a.household_id = h.id
ORDER BY t."order", v.name, h.head_name, h.id
"""


def household_stream(batch: DisbursementBatch) -> Iterator[tuple]:
    """The batch's households (failed lines left out), one tuple each (see `_HOUSEHOLDS_SQL`).

    On PostgreSQL one grouped query, read with a client-side cursor: the planner may then run
    it in parallel (it does not for a server-side cursor), and the ~100 bytes a household
    wait in libpq's buffer until `fetchmany` converts them. Elsewhere the item stream is
    grouped here. Call inside a transaction."""
    if connection.vendor != "postgresql":
        yield from _grouped(
            _line_stream(BatchLine.objects.filter(batch=batch).exclude(state=LineState.FAILED))
        )
        return
    from subsidies.models import Instalment
    from subsidies.payments.models import PaymentAccount
    from tasks.models import Household, Town, Village

    sql = _HOUSEHOLDS_SQL.format(
        line=BatchLine._meta.db_table,
        instalment=Instalment._meta.db_table,
        household=Household._meta.db_table,
        town=Town._meta.db_table,
        village=Village._meta.db_table,
        account=PaymentAccount._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.pk, LineState.FAILED])
        while rows := cursor.fetchmany(10_000):
            yield from rows


def _grouped(stream: Any) -> Iterator[tuple]:
    """The item stream grouped into the household tuples of `household_stream`."""
    items: list[tuple] = []
    for line in stream:
        if items and line[1] != items[0][1]:
            yield _household_row(items)
            items = []
        items.append(line)
    if items:
        yield _household_row(items)


def _household_row(items: list[tuple]) -> tuple:
    total = sum((i[12] for i in items), ZERO)
    text = ";".join(f"{i[10]},{i[11]},{i[12]:.16G},{i[13]}" for i in items)
    return (*items[0][:10], text, f"{total:.16G}")


class _SheetWriter:
    """Groups the stream per household: one row on its town's sheet, its items on 明细."""

    def __init__(self, wb, f, used, towns, full_id: bool, fast: bool) -> None:
        self.f, self.full_id = f, full_id
        self.sheets: dict[int, Any] = {}
        self.count: dict[int, int] = {}
        self.names = {tid: safe_cell(name) for tid, name, _t in towns}
        self.totals = {tid: total for tid, _n, total in towns}
        for tid, name, _total in towns:  # every sheet first: the order of the tabs
            self.sheets[tid] = _sheet(wb, f, used, name, HEADERS, WIDTHS)
        self.detail = _sheet(wb, f, used, DETAIL_SHEET, DETAIL_HEADERS, DETAIL_WIDTHS)
        self.detail_n = 0
        self.cache: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.writers: dict[int, Any] = {}
        self.row_writers: dict[int, Any] = {}
        self.fast = fast
        if fast:
            self.detail_rows = FastRows(self.detail, DETAIL_KINDS, f["text"], f["money"])
            self.detail_row = self.detail_rows.row
        else:
            detail = self.detail

            def detail_row(n: int, row: tuple) -> None:
                slow_row(detail, n, row, DETAIL_KINDS, f["text"], f["money"])

            self.detail_row = detail_row

    def _text(self, value: str) -> str:
        out = self.cache.get(value)
        if out is None:
            out = self.cache[value] = safe_cell(value)
        return out

    def _writer(self, tid: int) -> Any:
        """The row writer of a town's sheet, made at its first row: `(n, row)`."""
        sheet, text, money = self.sheets[tid], self.f["text"], self.f["money"]
        if self.fast:
            fast = self.writers[tid] = FastRows(sheet, KINDS, text, money)
            write = fast.row
        else:

            def write(n: int, row: tuple) -> None:
                slow_row(sheet, n, row, KINDS, text, money)

        self.row_writers[tid] = write
        return write

    def write(self, batch_id: int, households: Any, total: Decimal) -> None:
        for household in households:
            self._household(batch_id, household)
        for tid in self.sheets:
            self._close(tid)
        if self.fast:
            self.detail_rows.flush()
        # The total row goes through XlsxWriter, which also sets the sheet's dimensions.
        n = self.detail_n + 1
        self.detail.write_string(n, 0, "合计", self.f["bold"])
        for c in range(1, 5):
            self.detail.write_string(n, c, "", self.f["bold"])
        self.detail.write_number(n, 5, total, self.f["money_bold"])
        self.detail.write_string(n, 6, "", self.f["bold"])

    def _household(self, batch_id: int, household: tuple) -> None:
        tid, hid, village, head, idn, route, kind, bank, holder, number, items, total = household
        code = detail_number(batch_id, hid)
        n = self.count[tid] = self.count.get(tid, 0) + 1
        head = _clean(head)
        lines = [part.split(",") for part in items.split(";")]
        codes = ",".join(line[0] for line in lines)
        labels = self.labels.get(codes)
        if labels is None:
            labels = self.labels[codes] = "、".join(
                dict.fromkeys(_ITEMS.get(line[0], "") for line in lines)
            )
        number = number or ""
        town = self.names[tid]
        row = (
            n,
            code,
            town,
            self._text(village),
            head,
            _clean(idn if self.full_id else mask_id_number(idn)),
            _KINDS.get(kind, "未登记"),
            self._text(bank or ""),
            _clean(holder),
            _clean(number if self.full_id else mask_account_number(number)),
            _ROUTES.get(route, ""),
            labels,
            len(lines),
            total,
        )
        (self.row_writers.get(tid) or self._writer(tid))(n, row)
        detail_row, first = self.detail_row, self.detail_n + 1
        for at, (item, season, amount, line_id) in enumerate(lines, start=first):
            detail_row(
                at,
                (code, town, head, _ITEMS.get(item, ""), season or "一次性补贴", amount, line_id),
            )
        self.detail_n += len(lines)

    def _close(self, tid: int) -> None:
        fast = self.writers.get(tid)
        if fast is not None:
            fast.flush()
        sheet, n = self.sheets[tid], self.count.get(tid, 0)
        sheet.write_string(n + 1, 0, "合计", self.f["bold"])
        for c in range(1, len(HEADERS) - 1):
            sheet.write_string(n + 1, c, "", self.f["bold"])
        sheet.write_number(n + 1, len(HEADERS) - 1, self.totals[tid], self.f["money_bold"])


def _sheet(wb: Any, f: dict, used: set[str], name: str, headers: list, widths: list) -> Any:
    sheet = wb.add_worksheet(_sheet_name(name, used))
    for c, w in enumerate(widths):
        sheet.set_column(c, c, w)
    for c, h in enumerate(headers):
        sheet.write_string(0, c, h, f["bold"])
    return sheet
