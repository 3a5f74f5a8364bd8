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

from tasks.models import Route
from tasks.validators import mask_id_number

from .models import BatchLine, DisbursementBatch, InstalmentItem, LineState
from .money import ZERO

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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The sheet is an official Chinese document: fixed labels, whatever the UI language.
_ROUTES = {Route.CENTRAL: "集中供暖", Route.GAS: "气代煤", Route.ELECTRIC: "电代煤"}
_ITEMS = {
    InstalmentItem.CONSTRUCTION: "建设补贴",
    InstalmentItem.EQUIPMENT: "设备购置补贴",
    InstalmentItem.OPERATING: "运行费用补贴",
}


def safe_text(value: Any) -> str:
    """Plain text for a cell: no control characters, no leading = + - @ (formula injection)."""
    text = _CONTROL.sub("", str(value if value is not None else ""))
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "sheet"
    out, n = base, 2
    while out in used:
        out = f"{base[:28]}-{n}"
        n += 1
    used.add(out)
    return out


def write_disbursement(batch: DisbursementBatch, out: BinaryIO | str, *, full_id: bool) -> Decimal:
    """Write the sheet; returns the grand total, which equals the batch total to the fen."""
    lines = BatchLine.objects.filter(batch=batch).exclude(state=LineState.FAILED)
    summary = list(
        lines.values(
            "instalment__household__town_id",
            "instalment__household__town__name",
            "instalment__household__town__order",
            "instalment__household__route",
        )
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("instalment__household__town__order", "instalment__household__route")
    )
    grand = sum((r["total"] for r in summary), ZERO)
    if grand != batch.total_amount:
        raise ValueError(
            f"batch {batch.pk}: lines total {grand} != batch total {batch.total_amount}"
        )

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
    bold = wb.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1})
    money_bold = wb.add_format({"num_format": "#,##0.00", "bold": True, "border": 1})
    text = wb.add_format({"border": 1})
    title = wb.add_format({"bold": True, "font_size": 14})

    used: set[str] = set()
    ws = wb.add_worksheet(_sheet_name("汇总", used))
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 3, 14)
    heading = f"{batch.programme.name} {batch.season} 补贴发放汇总表（{batch.number}）"
    ws.write_string(0, 0, safe_text(heading), title)
    ws.write_string(1, 0, "镇（街道）", bold)
    ws.write_string(1, 1, "改造方式", bold)
    ws.write_string(1, 2, "笔数", bold)
    ws.write_string(1, 3, "金额（元）", bold)
    row = 2
    town_totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    towns: list[tuple[int, str]] = []
    for r in summary:
        tid = r["instalment__household__town_id"]
        if not towns or towns[-1][0] != tid:
            towns.append((tid, r["instalment__household__town__name"]))
        town_totals[tid] += r["total"]
        ws.write_string(row, 0, safe_text(r["instalment__household__town__name"]), text)
        ws.write_string(row, 1, _ROUTES.get(r["instalment__household__route"], ""), text)
        ws.write_number(row, 2, r["n"], text)
        ws.write_number(row, 3, r["total"], money)
        row += 1
    ws.write_string(row, 0, "合计", bold)
    ws.write_string(row, 1, "", bold)
    ws.write_number(row, 2, sum(r["n"] for r in summary), money_bold)
    ws.write_number(row, 3, grand, money_bold)
    ws.write_string(row + 2, 0, "身份证号" + ("完整显示" if full_id else "已脱敏"))

    stream = (
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
    names = dict(towns)
    villages: dict[str, str] = {}  # each village's cleaned name, computed once
    current = None
    sheet = None
    n = 0
    for tid, village, head, idn, route, item, season, amount in stream:
        if tid != current:
            if sheet is not None:
                _town_total(sheet, n, town_totals[current], bold, money_bold)
            current = tid
            sheet = wb.add_worksheet(_sheet_name(names[tid], used))
            for c, w in enumerate(WIDTHS):
                sheet.set_column(c, c, w)
            for c, h in enumerate(HEADERS):
                sheet.write_string(0, c, h, bold)
            n = 0
            town_name = safe_text(names[tid])
        n += 1
        sheet.write_number(n, 0, n, text)
        sheet.write_string(n, 1, town_name, text)
        v = villages.get(village)
        if v is None:
            v = villages[village] = safe_text(village)
        sheet.write_string(n, 2, v, text)
        sheet.write_string(n, 3, safe_text(head), text)
        sheet.write_string(n, 4, safe_text(idn if full_id else mask_id_number(idn)), text)
        sheet.write_string(n, 5, _ROUTES.get(route, ""), text)
        sheet.write_string(n, 6, _ITEMS.get(item, ""), text)
        sheet.write_string(n, 7, season or "一次性补贴", text)
        sheet.write_number(n, 8, amount, money)
    if sheet is not None:
        _town_total(sheet, n, town_totals[current], bold, money_bold)
    wb.close()
    return grand


def _town_total(sheet: Any, n: int, total: Decimal, bold: Any, money_bold: Any) -> None:
    sheet.write_string(n + 1, 0, "合计", bold)
    for c in range(1, 8):
        sheet.write_string(n + 1, c, "", bold)
    sheet.write_number(n + 1, 8, total, money_bold)
