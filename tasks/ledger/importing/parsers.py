"""One parser per template column: a cell's value in, the Household value out, or a CellError.

Each parser gets the cell, the row's values parsed so far (columns are parsed in template order,
so the village sees its town and the equipment its route) and the import's `Context`. The ID
number and phone rules are `tasks.validators`'; the importer only explains Excel's ways of
spoiling them (a number instead of a text, a masked export).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tasks.ledger.importing.plan import Scope
from tasks.ledger.importing.text import clean_text, key_text, number_text
from tasks.models import Contractor, EquipmentModel, Programme, Town, Village
from tasks.models.ledger import CONTRACTOR_KIND_FOR_ROUTE
from tasks.validators import (
    is_mobile,
    is_phone,
    normalise_phone,
    validate_id_number,
    validate_phone,
)

#: A number as `mask_id_number` writes it: region, hidden birth date and sequence, last four.
MASKED_ID = re.compile(r"\d{6}\*{8}\d{3}[\dX]")

ROUTE_BY_LABEL = {"集中供暖": "central", "气代煤": "gas", "电代煤": "electric"}
LABEL_BY_ROUTE = {v: k for k, v in ROUTE_BY_LABEL.items()}


class CellError(ValueError):
    """A cell's value is refused; `key` names another column when the fault is there."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key


@dataclass
class Lookups:
    towns: dict[str, Town]
    villages: dict[tuple[int, str], Village]
    equipment: dict[tuple[str, str], EquipmentModel]
    contractors: dict[str, Contractor]
    approved_towns: set[int]
    equipment_routes: set[str]

    @classmethod
    def load(cls, programme: Programme) -> Lookups:
        from tasks.ledger.preconditions import routes_needing_equipment
        from tasks.plans.queries import approved_plan_town_ids

        return cls(
            towns={key_text(t.name): t for t in Town.objects.all()},
            villages={(v.town_id, key_text(v.name)): v for v in Village.objects.all()},
            equipment={
                (key_text(e.brand), key_text(e.model)): e
                for e in EquipmentModel.objects.filter(is_active=True)
            },
            contractors={key_text(c.name): c for c in Contractor.objects.all()},
            approved_towns=approved_plan_town_ids(programme),
            equipment_routes=routes_needing_equipment(),
        )


@dataclass
class Context:
    """What the parsers share over one file."""

    lookups: Lookups
    scope: Scope
    create_villages: bool
    new_villages: dict[tuple[int, str], Village]
    row: int = 0  # the Excel row being parsed
    seen: dict[str, int] = field(default_factory=dict)  # ID number → first row
    memo: dict[Any, str] = field(default_factory=dict)

    def key(self, value: Any) -> str:
        # Town, village, route, brand, model and contractor repeat a lot: normalise each once.
        try:
            return self.memo[value]
        except KeyError:
            self.memo[value] = key = key_text(value)
            return key

    def allowed_town_names(self) -> str:
        ids = self.scope.town_ids or set()
        return "、".join(t.name for t in self.lookups.towns.values() if t.id in ids)


# --------------------------------------------------------------------------- places


def parse_town(value: Any, values: dict[str, Any], ctx: Context) -> Town:
    """Must exist and be within the importer's scope."""
    key = ctx.key(value)
    if not key:
        raise CellError(_("镇（街道）不能为空。"))
    town = ctx.lookups.towns.get(key)
    if town is None:
        raise CellError(_("没有名为“%(v)s”的镇（街道）。") % {"v": clean_text(value)})
    if not ctx.scope.allows(town.id):
        raise CellError(
            _("本行属于%(town)s，您只能导入%(mine)s的台账。")
            % {"town": town.name, "mine": ctx.allowed_town_names() or _("本镇（街道）")}
        )
    return town


def parse_village(value: Any, values: dict[str, Any], ctx: Context) -> Village | None:
    """Known to the town, or registered on the fly when the importer asked for it."""
    key = ctx.key(value)
    if not key:
        raise CellError(_("村（居）不能为空。"))
    town = values.get("town")
    if town is None:
        return None
    village = ctx.lookups.villages.get((town.id, key))
    if village is not None:
        return village
    if not ctx.create_villages:
        raise CellError(
            _("%(town)s没有登记“%(v)s”。请核对村名，或在导入时勾选“登记新的村（居）”。")
            % {"town": town.name, "v": clean_text(value)}
        )
    village = ctx.new_villages.get((town.id, key))
    if village is None:
        village = Village(town=town, name=clean_text(value)[:50])
        ctx.new_villages[(town.id, key)] = village
    return village


# --------------------------------------------------------------------------- the person


def parse_head_name(value: Any, values: dict[str, Any], ctx: Context) -> str:
    name = clean_text(value)
    if not name:
        raise CellError(_("户主姓名不能为空。"))
    if len(name) > 50:
        raise CellError(_("户主姓名过长（最多50个字）。"))
    return name


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def duplicate_message(first_row: int) -> str:
    return _("身份证号与第 %(other)d 行重复（同一户只能登记一次）。") % {"other": first_row}


def parse_id_number(value: Any, values: dict[str, Any] | None = None, ctx: Any = None) -> str:
    """The normalised ID number (the validator's rule), unique within the file."""
    if _is_number(value):
        raise CellError(
            _(
                "身份证号被 Excel 存成了数字，末几位已丢失。"
                "请把“身份证号”列设为“文本”格式后重新填写（或使用下载的模板）。"
            )
        )
    number = key_text(value).replace("-", "").upper()
    if not number:
        raise CellError(_("身份证号不能为空。"))
    if "*" in number:
        if ctx is not None and MASKED_ID.fullmatch(number):
            return number  # an export's masked number: matched by 台账编号 after parsing
        raise CellError(_("身份证号已打码（导出时没有查看完整身份证号的权限），不能用于导入。"))
    try:
        validate_id_number(number)
    except ValidationError as e:
        raise CellError(e.messages[0]) from None
    if ctx is not None:
        first = ctx.seen.setdefault(number, ctx.row)
        if first != ctx.row:
            raise CellError(duplicate_message(first))
    return number


def parse_phone(value: Any, values: dict[str, Any], ctx: Context) -> str:
    if value is None or value == "":
        return ""
    if _is_number(value):
        text = number_text(value)
        if not is_mobile(text):
            raise CellError(
                _("联系电话被 Excel 存成了数字（固定电话的区号“0”会丢失），请把该列设为文本格式。")
            )
        return text
    text = normalise_phone(key_text(value))
    if not text or is_phone(text):
        return text
    try:
        validate_phone(text)  # for its message
    except ValidationError as e:
        raise CellError(e.messages[0]) from None
    return text


def parse_address(value: Any, values: dict[str, Any], ctx: Context) -> str:
    address = clean_text(value)
    if len(address) > 200:
        raise CellError(_("家庭住址过长（最多200个字）。"))
    return address


def parse_size(value: Any, values: dict[str, Any], ctx: Context) -> int | None:
    """1 to 30 people; "3人" and "3口" read as 3."""
    if value is None or value == "":
        return None
    if type(value) is int or (type(value) is float and value.is_integer()):
        text = str(int(value))
    elif isinstance(value, str):
        text = key_text(value).removesuffix("人").removesuffix("口")
        if not text:
            return None
    else:
        text = ""  # a fraction, a boolean, a date: not a count of people
    if not text.isdigit() or not 1 <= int(text) <= 30:
        raise CellError(_("家庭人口应为1到30之间的整数。"))
    return int(text)


# --------------------------------------------------------------------------- the retrofit


def parse_route(value: Any, values: dict[str, Any], ctx: Context) -> str:
    key = ctx.key(value)
    route = ROUTE_BY_LABEL.get(key)
    if route is not None:
        return route
    if key:
        raise CellError(
            _("改造方式“%(v)s”无效，应为：集中供暖、气代煤、电代煤。") % {"v": clean_text(value)}
        )
    raise CellError(_("改造方式不能为空（集中供暖、气代煤、电代煤）。"))


def parse_brand(value: Any, values: dict[str, Any], ctx: Context) -> str:
    """The brand is read with the model (next column)."""
    return ctx.key(value)


def parse_model(value: Any, values: dict[str, Any], ctx: Context) -> EquipmentModel | None:
    """Brand and model together name a catalogue entry that fits the route."""
    brand, model = values.get("brand", ""), ctx.key(value)
    if not (brand or model):
        return None
    if not (brand and model):
        raise CellError(
            _("设备品牌和设备型号须同时填写（或都不填）。"), "model" if brand else "brand"
        )
    equipment = ctx.lookups.equipment.get((brand, model))
    if equipment is None:
        raise CellError(
            _("“%(b)s %(m)s”不在采暖设备目录内。") % {"b": brand, "m": clean_text(value)}
        )
    route = values.get("route")
    if route and equipment.route != route:
        raise CellError(
            _("“%(e)s”属于%(r)s设备，不适用于%(mine)s。")
            % {"e": equipment, "r": LABEL_BY_ROUTE[equipment.route], "mine": LABEL_BY_ROUTE[route]}
        )
    return equipment


def parse_contractor(value: Any, values: dict[str, Any], ctx: Context) -> Contractor | None:
    key = ctx.key(value)
    if not key:
        return None
    contractor = ctx.lookups.contractors.get(key)
    if contractor is None:
        raise CellError(_("没有名为“%(v)s”的实施单位。") % {"v": clean_text(value)})
    route = values.get("route")
    if route and contractor.kind != CONTRACTOR_KIND_FOR_ROUTE[route]:
        raise CellError(
            _("“%(c)s”不承担%(r)s改造。") % {"c": contractor.name, "r": LABEL_BY_ROUTE[route]}
        )
    return contractor


# --------------------------------------------------------------------------- dates and notes

_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:.]+)?")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(value: Any) -> datetime.date | None:
    """Excel dates, datetimes, serial numbers and the texts 2021-07-05, 2021/7/5, 2021年7月5日."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if _is_number(value):
        if 20000 < value < 80000:  # an Excel serial date in a cell formatted as a number
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise ValueError
    if not key_text(value):
        return None
    m = _DATE_RE.fullmatch(clean_text(unicodedata.normalize("NFKC", str(value))))
    if not m:
        raise ValueError
    return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse_date_cell(value: Any, values: dict[str, Any], ctx: Context) -> datetime.date | None:
    """签约日期, 开工日期 and 完工日期; what each step needs of them is checked when classifying."""
    try:
        return parse_date(value)
    except (ValueError, OverflowError):
        raise CellError(
            _("日期“%(v)s”无法识别，请写成 2021-07-05、2021/7/5 或 2021年7月5日。")
            % {"v": clean_text(value)}
        ) from None


def parse_ledger_no(value: Any, values: dict[str, Any], ctx: Context) -> int | None:
    """台账编号: the household's number in the ledger, as the export wrote it."""
    if value is None or value == "":
        return None
    if type(value) is int or (type(value) is float and value.is_integer()):
        number = int(value)
    else:
        text = key_text(value)
        if not text:
            return None
        number = int(text) if text.isdigit() else 0
    if number <= 0:
        raise CellError(_("台账编号应为导出文件中的编号（正整数），请不要修改。"))
    return number


def parse_notes(value: Any, values: dict[str, Any], ctx: Context) -> str:
    return clean_text(value)
