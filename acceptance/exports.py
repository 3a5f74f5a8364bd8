"""The acceptance register (验收台账) as an xlsx workbook: one row per inspection record.

Every text cell is written as a string; text starting with = + - @ (or a tab / carriage
return) gets a leading apostrophe so no spreadsheet treats it as a formula, and control
characters are dropped so the file stays valid XML.
"""

import io
import unicodedata
from collections.abc import Iterable

import xlsxwriter
from django.utils.translation import gettext as _

from tasks.validators import mask_id_number

from .models import Acceptance
from .queries import teams_by_acceptance

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    if value is None:
        return ""
    text = "".join(
        ch for ch in str(value) if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def register_headers() -> list[str]:
    return [
        _("镇（街道）"),
        _("村（居）"),
        _("户主姓名"),
        _("身份证号"),
        _("改造方式"),
        _("实施单位"),
        _("验收类型"),
        _("验收日期"),
        _("验收结果"),
        _("验收人员"),
        _("不合格项目"),
        _("存在问题"),
        _("整改期限"),
        _("整改完成日期"),
        _("整改情况"),
        _("记录人"),
        _("是否撤销"),
        _("撤销原因"),
        _("当前状态"),
        _("燃煤炉具拆除日期"),
    ]


def register_row(
    record: Acceptance, *, full_id: bool, team: list[tuple[str, str, bool]]
) -> list[str]:
    h = record.household
    try:
        rectification = record.rectification
    except Acceptance.rectification.RelatedObjectDoesNotExist:
        rectification = None
    contractor_mark = "，" + _("施工单位")
    members = "、".join(
        f"{name}（{organisation}{contractor_mark if is_contractor else ''}）"
        for name, organisation, is_contractor in team
    )
    failed = "、".join(c.label for c in getattr(record, "failed_items", ()))
    return [
        h.town.name,
        h.village.name,
        h.head_name,
        h.id_number if full_id else mask_id_number(h.id_number),
        h.get_route_display(),
        h.contractor.name if h.contractor_id else "",
        record.get_kind_display(),
        f"{record.date:%Y-%m-%d}",
        record.get_result_display(),
        members,
        failed,
        record.defects,
        f"{record.rectification_deadline:%Y-%m-%d}" if record.rectification_deadline else "",
        f"{rectification.date:%Y-%m-%d}" if rectification else "",
        rectification.description if rectification else "",
        str(record.recorded_by) if record.recorded_by_id else "",
        _("是") if record.revoked else _("否"),
        record.revoke_reason,
        h.get_status_display(),
        f"{h.coal_stove_removed_on:%Y-%m-%d}" if h.coal_stove_removed_on else "",
    ]


def acceptance_register_xlsx(records: Iterable[Acceptance], *, full_id: bool) -> bytes:
    """`records` from `queries.acceptance_register_rows`, read in chunks of 2,000."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(_("验收台账"))
    bold = book.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})
    headers = register_headers()
    for col, title in enumerate(headers):
        sheet.write_string(0, col, title, bold)
    widths = [len(t) * 2 + 2 for t in headers]
    row = 0
    for chunk in _chunks(records, 2000):
        teams = teams_by_acceptance([r.pk for r in chunk])
        for record in chunk:
            row += 1
            values = register_row(record, full_id=full_id, team=teams.get(record.pk, []))
            for col, value in enumerate(values):
                text = safe_cell(value)
                sheet.write_string(row, col, text)
                widths[col] = min(max(widths[col], len(text) + 2), 60)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)
    book.set_properties({"title": _("验收台账")})
    book.close()
    return out.getvalue()


def _chunks(records: Iterable[Acceptance], size: int) -> Iterable[list[Acceptance]]:
    # A queryset is sliced so its prefetches run per chunk; anything else is batched as is.
    if hasattr(records, "_chain"):
        start = 0
        while True:
            chunk = list(records[start : start + size])
            if not chunk:
                return
            yield chunk
            start += size
    else:
        batch: list[Acceptance] = []
        for record in records:
            batch.append(record)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
