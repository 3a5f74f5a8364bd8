"""The acceptance register (验收台账) as an xlsx workbook: one row per inspection record.

Every text cell is written as a string through `spreadsheets.safe_cell`, the one safe-cell
rule of every export (no cell read as a formula, no control character).
"""

import io
from collections.abc import Iterable

import xlsxwriter
from django.utils.translation import gettext as _

from acceptance.checklists import item_label
from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
from acceptance.queries import teams_by_acceptance
from tasks.models import HouseholdStatus, Route
from tasks.validators import mask_id_number
from zichuan_heating.iterables import chunked
from zichuan_heating.spreadsheets import safe_cell


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


class _Labels:
    """Choice labels and fixed words translated once per export, not once per cell."""

    def __init__(self) -> None:
        self.route = {k: str(v) for k, v in Route.choices}
        self.status = {k: str(v) for k, v in HouseholdStatus.choices}
        self.kind = {k: str(v) for k, v in AcceptanceKind.choices}
        self.result = {k: str(v) for k, v in AcceptanceResult.choices}
        self.contractor_mark = "，" + _("施工单位")
        self.yes, self.no = _("是"), _("否")
        self.items: dict[str, str] = {}

    def item(self, code: str) -> str:
        if code not in self.items:
            self.items[code] = item_label(code)
        return self.items[code]


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def register_row(
    record: Acceptance,
    *,
    full_id: bool,
    team: list[tuple[str, str, bool]],
    labels: "_Labels | None" = None,
) -> list[str]:
    labels = labels or _Labels()
    h = record.household
    rectification = record.rectification_or_none
    members = "、".join(
        f"{name}（{organisation}{labels.contractor_mark if is_contractor else ''}）"
        for name, organisation, is_contractor in team
    )
    failed = "、".join(labels.item(c.item) for c in getattr(record, "failed_items", ()))
    return [
        h.town.name,
        h.village.name,
        h.head_name,
        h.id_number if full_id else mask_id_number(h.id_number),
        labels.route.get(h.route, h.route),
        h.contractor.name if h.contractor_id else "",
        labels.kind.get(record.kind, record.kind),
        _day(record.date),
        labels.result.get(record.result, record.result),
        members,
        failed,
        record.defects,
        _day(record.rectification_deadline),
        _day(rectification.date) if rectification else "",
        rectification.description if rectification else "",
        str(record.recorded_by) if record.recorded_by_id else "",
        labels.yes if record.revoked else labels.no,
        record.revoke_reason,
        labels.status.get(h.status, h.status),
        _day(h.coal_stove_removed_on),
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
    labels = _Labels()
    row = 0
    for chunk in chunked(records, 2000):
        teams = teams_by_acceptance([r.pk for r in chunk])
        for record in chunk:
            row += 1
            values = register_row(
                record, full_id=full_id, team=teams.get(record.pk, []), labels=labels
            )
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
