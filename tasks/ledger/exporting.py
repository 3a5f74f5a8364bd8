"""Ledger workbooks written with XlsxWriter: the import template and the (filtered) export.

Both read the import's column table (`tasks.ledger.importing.columns`: header, width, kind,
export value), so an export can be imported back unchanged. Text cells are written with
`write_string` (never as formulas) through `safe_cell` (a formula start gets a leading ',
control characters go); ID numbers are masked unless the user may see them in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _

from tasks.ledger.importing import COLUMNS, LABEL_BY_ROUTE, SHEET_NAME
from tasks.ledger.importing.extra import export_values, registered
from tasks.validators import mask_id_number
from zichuan_heating.iterables import chunked
from zichuan_heating.spreadsheets import safe_cell

ROUTE_COL, TOWN_COL = (
    next(i for i, c in enumerate(COLUMNS) if c.key == k) for k in ("route", "town")
)


def _start(target: IO[bytes] | str) -> tuple[Any, Any, dict[str, Any]]:
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet(SHEET_NAME)
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "text": workbook.add_format({"num_format": "@"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
    }
    column_format = {"text": formats["text"], "id": formats["text"], "date": formats["date"]}
    for col, column in enumerate(COLUMNS):
        sheet.set_column(col, col, column.width, column_format.get(column.kind))
        sheet.write_string(0, col, column.header, formats["header"])
    sheet.freeze_panes(1, 0)
    return workbook, sheet, formats


def write_template(target: IO[bytes] | str, *, town_names: list[str], rows: int = 2000) -> None:
    """The blank import template: sheet 台账 (ID column as text, drop-down for 改造方式), 说明."""
    workbook, sheet, _formats = _start(target)
    last = rows
    sheet.data_validation(
        1,
        ROUTE_COL,
        last,
        ROUTE_COL,
        {
            "validate": "list",
            "source": list(LABEL_BY_ROUTE.values()),
            "error_title": _("改造方式"),
            "error_message": _("请从下拉列表选择：集中供暖、气代煤、电代煤。"),
        },
    )
    if town_names:
        sheet.data_validation(
            1,
            TOWN_COL,
            last,
            TOWN_COL,
            {"validate": "list", "source": town_names, "ignore_blank": True},
        )
    notes = workbook.add_worksheet(_("说明"))
    notes.set_column(0, 0, 100)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True})
    notes.write_string(0, 0, _("改造户台账导入说明"), bold)
    for i, line in enumerate(_rules(town_names), start=2):
        notes.write_string(i, 0, line, wrap)
    workbook.close()


def _rules(town_names: list[str]) -> list[str]:
    return [
        _("1. 在“台账”工作表中每户填一行，不要修改表头、工作表名称和列的顺序，不要合并单元格。"),
        _("2. 必填：镇（街道）、村（居）、户主姓名、身份证号、改造方式；其余可留空。"),
        _("3. 镇（街道）只能填写：%(towns)s。镇（街道）工作人员只能导入本镇（街道）的户。")
        % {"towns": "、".join(town_names) or "-"},
        _("4. 村（居）须是本镇（街道）已登记的村；新村请在上传时勾选“登记新的村（居）”。"),
        _(
            "5. 身份证号：18位，最后一位可以是X。本列已设为“文本”格式；"
            "若粘贴成数字，末几位会丢失，导入时会报错。"
        ),
        _("6. 联系电话：11位手机号，或带区号的固定电话（如 0533-5181234）。"),
        _("7. 家庭人口：1到30之间的整数。"),
        _("8. 改造方式：集中供暖、气代煤、电代煤（下拉选择）。"),
        _(
            "9. 设备品牌和设备型号须同时填写，且在市级招标采暖设备目录内、适用于所选改造方式；"
            "实施单位须是已登记的供热企业、燃气企业或设备安装企业。"
        ),
        _(
            "10. 日期可写成 2021-07-05、2021/7/5、2021年7月5日，或直接使用 Excel 日期。"
            "填写签约日期的户状态为“已签约”；开工日期和完工日期只有在本镇（街道）实施方案经核准后"
            "才能填写，填写后状态为“施工中”或“已完工”（只填完工日期时按完工当天开工）。"
            "导入不会删除已登记的日期，也不会让状态倒退。"
        ),
        _(
            "11. 不要使用公式：含公式的单元格会被拒绝，请“选择性粘贴为数值”。"
            "以“=”开头的内容也会被拒绝。"
        ),
        _(
            "12. 全部行都通过校验才会写入；任何一行有错，整个文件都不写入，并列出每一处错误。"
            "以身份证号识别同一户：再次导入同一文件不会产生任何变化。"
        ),
        _(
            "13. 台账编号由导出文件填写，新登记的户留空。身份证号打码的导出文件按台账编号识别"
            "同一户，可直接修改后导回，但不能修改身份证号；已验收的户不能通过导入修改。"
        ),
        _("14. 单个文件最多 200,000 行。"),
        *(
            f"{n}. {rule}"
            for n, rule in enumerate((r for e in registered() for r in e.rules), start=15)
        ),
    ]


#: Households whose registered extra columns (`importing.extra`) are fetched in one query.
EXTRA_CHUNK = 5000


def write_ledger(target: IO[bytes] | str, households: Iterable[Any], *, full_ids: bool) -> int:
    """The export: one row per household in the template's columns. Returns the row count.

    Registered extra columns (a meter's number, ...) are fetched per chunk of `EXTRA_CHUNK`
    households, one query per registration and chunk, never per row.
    """
    workbook, sheet, formats = _start(target)
    columns = list(enumerate(COLUMNS))
    n = 0
    for chunk in chunked(households, EXTRA_CHUNK):
        extra = export_values([h.pk for h in chunk], full_ids) if registered() else {}
        for h in chunk:
            n += 1
            for col, column in columns:
                if column.source is None:
                    value = column.export(h)
                else:
                    value = extra.get(column.key, {}).get(h.pk)
                _write_cell(sheet, n, col, column.kind, value, formats, full_ids)
    workbook.close()
    return n


def _write_cell(
    sheet: Any, n: int, col: int, kind: str, value: Any, formats: dict[str, Any], full_ids: bool
) -> None:
    if kind == "id":
        sheet.write_string(n, col, value if full_ids else mask_id_number(value), formats["text"])
    elif value is None or value == "":
        return
    elif kind == "number":
        sheet.write_number(n, col, value)
    elif kind == "date":
        sheet.write_datetime(n, col, value, formats["date"])
    else:
        sheet.write_string(n, col, safe_cell(value))
