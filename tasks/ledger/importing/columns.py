"""The template's columns, in one table: header, required, parser, export value, width.

The import (`find_header` and the row parser), the template and the export
(`tasks.ledger.exporting`) and the django-import-export resource (`tasks.ledger.resources`) all
read this table, so they cannot drift apart and an export imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tasks.ledger.importing import parsers as p


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    parse: Callable[[Any, dict[str, Any], p.Context], Any]
    #: The export's value of a household (None: written specially, by `kind`).
    export: Callable[[Any], Any]
    width: int
    #: The resource field this column fills (`tasks.ledger.resources`).
    field: str
    required: bool = False
    #: "string"; "text" (a column formatted as text); "id" (text, masked unless allowed);
    #: "number" or "date".
    kind: str = "string"
    #: A column missing from the file keeps the household's value (instead of blanking it).
    absent_keeps: bool = False
    #: "extra": registered by another app (`tasks.ledger.importing.extra`), exported in bulk.
    source: str | None = None


def _name(attr: str) -> Callable[[Any], str]:
    return lambda h: getattr(h, attr).name if getattr(h, f"{attr}_id") else ""


COLUMNS: list[Column] = [
    Column("town", "镇（街道）", p.parse_town, _name("town"), 12, "town", required=True),
    Column("village", "村（居）", p.parse_village, _name("village"), 12, "village", required=True),
    Column(
        "head_name", "户主姓名", p.parse_head_name, lambda h: h.head_name, 10, "head_name",
        required=True,
    ),
    Column(
        "id_number", "身份证号", p.parse_id_number, lambda h: h.id_number, 22, "id_number",
        required=True, kind="id",
    ),
    Column(
        "phone", "联系电话", p.parse_phone, lambda h: h.phone, 15, "phone", kind="text",
        absent_keeps=True,
    ),
    Column("address", "家庭住址", p.parse_address, lambda h: h.address, 28, "address"),
    Column("size", "家庭人口", p.parse_size, lambda h: h.size, 9, "size", kind="number"),
    Column(
        "route", "改造方式", p.parse_route, lambda h: p.LABEL_BY_ROUTE.get(h.route, ""), 10,
        "route", required=True,
    ),
    Column(
        "brand", "设备品牌", p.parse_brand,
        lambda h: h.equipment.brand if h.equipment_id else "", 12, "brand",
    ),
    Column(
        "model", "设备型号", p.parse_model,
        lambda h: h.equipment.model if h.equipment_id else "", 14, "equipment",
    ),
    Column("contractor", "实施单位", p.parse_contractor, _name("contractor"), 18, "contractor"),
    Column(
        "signed_on", "签约日期", p.parse_date_cell, lambda h: h.contract_signed_on, 12,
        "contract_signed_on", kind="date",
    ),
    Column(
        "started_on", "开工日期", p.parse_date_cell, lambda h: h.construction_started_on, 12,
        "construction_started_on", kind="date",
    ),
    Column(
        "completed_on", "完工日期", p.parse_date_cell, lambda h: h.construction_completed_on,
        12, "construction_completed_on", kind="date",
    ),
    Column("notes", "备注", p.parse_notes, lambda h: h.notes, 24, "notes"),
    # Filled by the export, optional in a file: a row whose ID is masked is matched by it.
    Column(
        "ledger_no", "台账编号", p.parse_ledger_no, lambda h: h.pk, 10, "ledger_no",
        kind="number",
    ),
]  # fmt: skip

#: The template's own columns; apps append theirs to COLUMNS through `extra`.
CORE_COLUMNS = tuple(COLUMNS)
HEADERS = [c.header for c in COLUMNS]
HEADER = {c.key: c.header for c in COLUMNS}
