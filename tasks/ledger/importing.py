"""Excel import of the household ledger (台账): file checks, row validation, preview, bulk commit.

One code path serves the browser, the Celery job, `manage.py import_ledger` and the benchmark:

1. `inspect_file` refuses hostile or broken files before any parser sees them: not a zip
   (a renamed text file, an encrypted workbook, which is an OLE/CFB container), a zip bomb
   (total uncompressed size and compression ratio, read from the zip directory), too many rows
   (counted by streaming the sheet's XML), formula cells (found in the same pass).
2. `validate` reads the `台账` sheet with python-calamine, finds the header row, checks every row
   and collects every error (row number as Excel shows it, column header, Chinese message); then
   classifies each good row as created / updated / unchanged, keyed on the ID number within the
   programme.
3. `commit` writes all or nothing in one transaction, in bulk, through simple_history's bulk
   helpers, so every created or changed household gets exactly one history row.

Formula cells are refused, not read: python-calamine only sees the cached value, which is stale
or missing when the file was produced by a tool that does not recalculate, and a ledger that must
be true should not depend on it. Each formula cell is reported like any other bad cell.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import functools
import gc
import operator
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.models import (
    Contractor,
    EquipmentModel,
    Household,
    HouseholdStatus,
    Programme,
    Town,
    Village,
)
from tasks.models.ledger import CONTRACTOR_KIND_FOR_ROUTE
from tasks.validators import validate_id_number, validate_phone
from zichuan_heating.spreadsheets import (
    HEADER_SEARCH_ROWS,
    UnusableFile,
    inspect_workbook,
    read_sheet,
    safe_cell,
)
from zichuan_heating.spreadsheets import (
    WorkbookFacts as FileFacts,
)
from zichuan_heating.spreadsheets import (
    column_letter as _column_letter,
)

SHEET_NAME = "台账"
#: The template's columns, in order (issue 3). Keys are the Household fields they fill.
COLUMNS: list[tuple[str, str]] = [
    ("town", "镇（街道）"),
    ("village", "村（居）"),
    ("head_name", "户主姓名"),
    ("id_number", "身份证号"),
    ("phone", "联系电话"),
    ("address", "家庭住址"),
    ("size", "家庭人口"),
    ("route", "改造方式"),
    ("brand", "设备品牌"),
    ("model", "设备型号"),
    ("contractor", "实施单位"),
    ("signed_on", "签约日期"),
    ("completed_on", "完工日期"),
    ("notes", "备注"),
]
HEADERS = [h for _, h in COLUMNS]
REQUIRED = {"town", "village", "head_name", "id_number", "route"}
ROUTE_BY_LABEL = {"集中供暖": "central", "气代煤": "gas", "电代煤": "electric"}
LABEL_BY_ROUTE = {v: k for k, v in ROUTE_BY_LABEL.items()}

PREVIEW_ROWS = 20
PROGRESS_EVERY = 5000

# The fields an import writes; compared to decide between "updated" and "unchanged".
WRITE_FIELDS = [
    "town_id",
    "village_id",
    "head_name",
    "phone",
    "address",
    "size",
    "route",
    "equipment_id",
    "contractor_id",
    "contract_signed_on",
    "construction_completed_on",
    "notes",
    "status",
]
# Status order for "an import never moves a household backwards".
STATUS_RANK = {
    HouseholdStatus.SURVEYED: 0,
    HouseholdStatus.CONTRACTED: 1,
    HouseholdStatus.UNDER_CONSTRUCTION: 2,
    HouseholdStatus.BUILT: 3,
}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Plan:
    """The outcome of validation: what a commit would write."""

    programme: Programme
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    to_create: list[Household] = field(default_factory=list)
    to_update: list[Household] = field(default_factory=list)
    unchanged: int = 0
    new_villages: dict[tuple[int, str], Village] = field(default_factory=dict)
    preview: dict[str, Any] = field(default_factory=dict)
    #: Seconds per phase (inspect, read, parse, classify, write), for the benchmark.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.to_create),
            "updated": len(self.to_update),
            "unchanged": self.unchanged,
        }


@dataclass
class Scope:
    """Where an import may write: one town (a town official, `--town`) or every town."""

    town_ids: set[int] | None  # None: every town

    @classmethod
    def for_user(cls, user: Any) -> Scope:
        if user.is_superuser or user.has_perm("tasks.view_all_towns"):
            return cls(None)
        return cls({user.town_id} if user.town_id else set())

    def allows(self, town_id: int) -> bool:
        return self.town_ids is None or town_id in self.town_ids


# --------------------------------------------------------------------------- text helpers

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\ufeff]"
)
_SPACES = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """Control characters removed, surrounding spaces (also full-width ones) trimmed."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else _number_text(value)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    text = text.strip()
    # Our own export's formula escape (see `neutralise`): take the text back as it was.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def key_text(value: Any) -> str:
    """A comparison key: cleaned, full-width folded to half-width (NFKC), no spaces at all."""
    text = clean_text(value)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", text)


def neutralise(text: str) -> str:
    """For exports: a cell starting with = + - @ is prefixed with ' so no program runs it."""
    return safe_cell(text)


# --------------------------------------------------------------------------- file checks


def inspect_file(path: str | Path) -> FileFacts:
    """The shared checks with the ledger's sheet name and limits."""
    return inspect_workbook(
        path,
        sheet_name=SHEET_NAME,
        max_bytes=settings.LEDGER_IMPORT_MAX_BYTES,
        max_rows=settings.LEDGER_IMPORT_MAX_ROWS,
        what=_("台账"),
    )


def read_ledger_sheet(path: str | Path) -> list[list[Any]]:
    return read_sheet(path, sheet_name=SHEET_NAME)


def find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """The header row's index and each column's position; a title row above it is fine."""
    wanted = {key_text(h): key for key, h in COLUMNS}
    best: tuple[int, int] | None = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if key_text(cell) in wanted)
        if hits and (best is None or hits > best[1]):
            best = (index, hits)
    if best is None or best[1] < 3:
        raise UnusableFile(
            _("找不到“%(sheet)s”工作表的表头行。表头应包含：%(headers)s。")
            % {"sheet": SHEET_NAME, "headers": "、".join(HEADERS)}
        )
    index = best[0]
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    for col, cell in enumerate(rows[index]):
        key = wanted.get(key_text(cell))
        if key is None:
            continue
        if key in positions:
            duplicates.append(dict(COLUMNS)[key])
        else:
            positions[key] = col
    missing = [h for key, h in COLUMNS if key in REQUIRED and key not in positions]
    problems = []
    if missing:
        problems.append(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    if duplicates:
        problems.append(_("列重复：%(cols)s") % {"cols": "、".join(duplicates)})
    if problems:
        raise UnusableFile(
            _("表头有误（第 %(row)d 行）：%(problems)s。请使用下载的模板，表头不要合并单元格。")
            % {"row": index + 1, "problems": "；".join(problems)}
        )
    return index, positions


# --------------------------------------------------------------------------- cell parsers

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
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial date in a cell formatted as a number
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise ValueError
    text = key_text(value)
    if not text:
        return None
    m = _DATE_RE.fullmatch(clean_text(unicodedata.normalize("NFKC", str(value))))
    if not m:
        raise ValueError
    return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


_ID_RE = re.compile(r"\d{17}[\dX]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_OFFSET = 48 * sum(_ID_WEIGHTS)  # ord("0") times each weight


def _check_char(number: str) -> str:
    """GB 11643 check character of the first 17 digits (same as validators.id_check_char)."""
    total = sum(map(operator.mul, number[:17].encode("ascii"), _ID_WEIGHTS)) - _ID_OFFSET
    return "10X98765432"[total % 11]


def _today_digits() -> str:
    return _today_digits_in_hour(int(time.time() // 3600))


@functools.lru_cache(maxsize=2)
def _today_digits_in_hour(hour: int) -> str:
    return datetime.date.today().strftime("%Y%m%d")


def parse_id_number(value: Any) -> str:
    """The normalised ID number, or ValueError with the Chinese reason."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            _(
                "身份证号被 Excel 存成了数字，末几位已丢失。"
                "请把“身份证号”列设为“文本”格式后重新填写（或使用下载的模板）。"
            )
        )
    number = key_text(value).replace("-", "").upper()
    if not number:
        raise ValueError(_("身份证号不能为空。"))
    if "*" in number:
        raise ValueError(_("身份证号已打码（导出时没有查看完整身份证号的权限），不能用于导入。"))
    # The common case in C-speed steps; anything unusual goes to the validator for its message.
    if _ID_RE.fullmatch(number) and _check_char(number) == number[17]:
        birth = number[6:14]
        if "19000101" <= birth <= _today_digits():
            try:
                datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
            except ValueError:
                pass
            else:
                return number
    try:
        validate_id_number(number)
    except ValidationError as e:
        raise ValueError(e.messages[0]) from None
    return number


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def parse_phone(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        text = _number_text(value)
        if not _MOBILE.fullmatch(text):
            raise ValueError(
                _("联系电话被 Excel 存成了数字（固定电话的区号“0”会丢失），请把该列设为文本格式。")
            )
        return text
    text = key_text(value)
    text = re.sub(r"[()]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return ""
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    try:
        validate_phone(text)
    except ValidationError as e:
        raise ValueError(e.messages[0]) from None
    return text


def parse_size(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        if float(value).is_integer():
            number = int(value)
        else:
            raise ValueError
    else:
        text = key_text(value).removesuffix("人").removesuffix("口")
        if not text:
            return None
        if not text.isdigit():
            raise ValueError
        number = int(text)
    if not 1 <= number <= 30:
        raise ValueError
    return number


# --------------------------------------------------------------------------- validation


@dataclass
class _Lookups:
    towns: dict[str, Town]
    villages: dict[tuple[int, str], Village]
    equipment: dict[tuple[str, str], EquipmentModel]
    contractors: dict[str, Contractor]
    approved_towns: set[int]

    @classmethod
    def load(cls, programme: Programme) -> _Lookups:
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
        )


def validate(
    path: str | Path,
    *,
    programme: Programme,
    scope: Scope,
    create_villages: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Check every row; return the plan (errors, or what would be created and updated)."""
    started = time.perf_counter()
    facts = inspect_file(path)
    inspected = time.perf_counter()
    rows = read_ledger_sheet(path)
    read = time.perf_counter()
    header_index, positions = find_header(rows)
    data = rows[header_index + 1 :]
    # Trailing blank rows are not data.
    while data and all(c is None or c == "" for c in data[-1]):
        data.pop()
    if len(data) > settings.LEDGER_IMPORT_MAX_ROWS:
        raise UnusableFile(
            _("文件行数过多（%(n)d 行），单个文件最多 %(max)d 行，请拆分后分批导入。")
            % {"n": len(data), "max": settings.LEDGER_IMPORT_MAX_ROWS}
        )
    plan = Plan(programme=programme, total_rows=len(data))
    plan.timings.update(inspect=inspected - started, read=read - inspected)
    if not data:
        plan.errors.append(
            RowError(
                None,
                "",
                _("表头下面没有数据行：请从第 %(row)d 行起填写。") % {"row": header_index + 2},
            )
        )
        return plan
    header_of = {col: dict(COLUMNS)[key] for key, col in positions.items()}
    for excel_row, col in facts.formula_cells:
        if excel_row > header_index + 1:
            plan.errors.append(
                RowError(
                    excel_row,
                    header_of.get(col, _column_letter(col)),
                    _("该单元格是公式。请复制后“选择性粘贴为数值”，再导入。"),
                )
            )
    lookups = _Lookups.load(programme)
    first_row = header_index + 2  # Excel's numbering: 1-based, after the header
    parsed = _parse_rows(
        data, positions, first_row, lookups, scope, create_villages, plan, progress
    )
    parsed_at = time.perf_counter()
    plan.timings["parse"] = parsed_at - read
    _classify(parsed, plan, lookups, progress)
    plan.timings["classify"] = time.perf_counter() - parsed_at
    plan.errors.sort(
        key=lambda e: (e.row or 0, HEADERS.index(e.column) if e.column in HEADERS else 99)
    )
    if plan.errors:
        plan.to_create.clear()
        plan.to_update.clear()
        plan.unchanged = 0
    return plan


@dataclass(slots=True)
class _Row:
    excel_row: int
    values: dict[str, Any]


def _parse_rows(
    data: list[list[Any]],
    positions: dict[str, int],
    first_row: int,
    lk: _Lookups,
    scope: Scope,
    create_villages: bool,
    plan: Plan,
    progress: Callable[[int, int], None] | None,
) -> list[_Row]:
    errors = plan.errors
    out: list[_Row] = []
    seen: dict[str, int] = {}
    h = dict(COLUMNS)
    cols = list(positions.items())
    allowed_names = None
    if scope.town_ids is not None:
        allowed_names = "、".join(t.name for t in lk.towns.values() if t.id in scope.town_ids)
    total = len(data)
    memo: dict[Any, str] = {}

    def k(value: Any) -> str:
        # Town, village, route, brand, model and contractor repeat a lot: normalise each once.
        try:
            return memo[value]
        except KeyError:
            memo[value] = key = key_text(value)
            return key

    for offset, cells in enumerate(data):
        r = first_row + offset
        if progress and offset and offset % PROGRESS_EVERY == 0:
            progress(offset // 2, total)
        raw = {key: (cells[col] if col < len(cells) else None) for key, col in cols}
        if all(v is None or v == "" for v in raw.values()):
            continue  # a blank row in the middle: skipped, not an error
        n_errors = len(errors)

        def err(key: str, message: str, r: int = r) -> None:
            errors.append(RowError(r, h[key], message))

        for key, value in raw.items():
            if type(value) is str and "=" in value and value.lstrip().startswith("="):
                err(key, _("单元格内容以“=”开头，会被当作公式。请删除开头的“=”。"))
        values: dict[str, Any] = {}
        # Town: must exist and be within the importer's scope.
        town_key = k(raw.get("town"))
        town = lk.towns.get(town_key)
        if not town_key:
            err("town", _("镇（街道）不能为空。"))
        elif town is None:
            err("town", _("没有名为“%(v)s”的镇（街道）。") % {"v": clean_text(raw["town"])})
        elif not scope.allows(town.id):
            err(
                "town",
                _("本行属于%(town)s，您只能导入%(mine)s的台账。")
                % {"town": town.name, "mine": allowed_names or _("本镇（街道）")},
            )
            town = None
        values["town"] = town
        # Village: known to the town, or registered on the fly when the importer asked for it.
        village_key = k(raw.get("village"))
        village_text = clean_text(raw.get("village"))
        village = None
        if not village_key:
            err("village", _("村（居）不能为空。"))
        elif town is not None:
            village = lk.villages.get((town.id, village_key))
            if village is None:
                if create_villages:
                    village = plan.new_villages.get((town.id, village_key))
                    if village is None:
                        village = Village(town=town, name=village_text[:50])
                        plan.new_villages[(town.id, village_key)] = village
                else:
                    err(
                        "village",
                        _("%(town)s没有登记“%(v)s”。请核对村名，或在导入时勾选“登记新的村（居）”。")
                        % {"town": town.name, "v": village_text},
                    )
        values["village"] = village
        name = clean_text(raw.get("head_name"))
        if not name:
            err("head_name", _("户主姓名不能为空。"))
        elif len(name) > 50:
            err("head_name", _("户主姓名过长（最多50个字）。"))
        values["head_name"] = name
        try:
            number = parse_id_number(raw.get("id_number"))
        except ValueError as e:
            err("id_number", str(e))
            number = ""
        if number:
            if number in seen:
                err(
                    "id_number",
                    _("身份证号与第 %(other)d 行重复（同一户只能登记一次）。")
                    % {"other": seen[number]},
                )
            else:
                seen[number] = r
        values["id_number"] = number
        if "phone" in raw:
            try:
                values["phone"] = parse_phone(raw["phone"])
            except ValueError as e:
                err("phone", str(e))
        address = clean_text(raw.get("address"))
        if len(address) > 200:
            err("address", _("家庭住址过长（最多200个字）。"))
        values["address"] = address
        try:
            values["size"] = parse_size(raw.get("size"))
        except ValueError:
            err("size", _("家庭人口应为1到30之间的整数。"))
        route_key = k(raw.get("route"))
        route = ROUTE_BY_LABEL.get(route_key)
        if route is None:
            if route_key:
                err(
                    "route",
                    _("改造方式“%(v)s”无效，应为：集中供暖、气代煤、电代煤。")
                    % {"v": clean_text(raw["route"])},
                )
            else:
                err("route", _("改造方式不能为空（集中供暖、气代煤、电代煤）。"))
        values["route"] = route
        brand, model = k(raw.get("brand")), k(raw.get("model"))
        equipment = None
        if brand or model:
            if not (brand and model):
                err(
                    "model" if brand else "brand",
                    _("设备品牌和设备型号须同时填写（或都不填）。"),
                )
            else:
                equipment = lk.equipment.get((brand, model))
                if equipment is None:
                    err(
                        "model",
                        _("“%(b)s %(m)s”不在采暖设备目录内。")
                        % {"b": clean_text(raw["brand"]), "m": clean_text(raw["model"])},
                    )
                elif route and equipment.route != route:
                    err(
                        "model",
                        _("“%(e)s”属于%(r)s设备，不适用于%(mine)s。")
                        % {
                            "e": equipment,
                            "r": LABEL_BY_ROUTE[equipment.route],
                            "mine": LABEL_BY_ROUTE[route],
                        },
                    )
        values["equipment"] = equipment
        contractor = None
        contractor_key = k(raw.get("contractor"))
        if contractor_key:
            contractor = lk.contractors.get(contractor_key)
            if contractor is None:
                err(
                    "contractor",
                    _("没有名为“%(v)s”的实施单位。") % {"v": clean_text(raw["contractor"])},
                )
            elif route and contractor.kind != CONTRACTOR_KIND_FOR_ROUTE[route]:
                err(
                    "contractor",
                    _("“%(c)s”不承担%(r)s改造。")
                    % {"c": contractor.name, "r": LABEL_BY_ROUTE[route]},
                )
        values["contractor"] = contractor
        for key in ("signed_on", "completed_on"):
            try:
                values[key] = parse_date(raw.get(key))
            except (ValueError, OverflowError):
                values[key] = None
                err(
                    key,
                    _("日期“%(v)s”无法识别，请写成 2021-07-05、2021/7/5 或 2021年7月5日。")
                    % {"v": clean_text(raw.get(key))},
                )
        signed, completed = values["signed_on"], values["completed_on"]
        if completed:
            if not signed:
                err("completed_on", _("填写完工日期时须同时填写签约日期。"))
            elif completed < signed:
                err("completed_on", _("完工日期不能早于签约日期。"))
            if town is not None and town.id not in lk.approved_towns:
                err(
                    "completed_on",
                    _("%(town)s的实施方案尚未经区清洁取暖办核准，不能登记完工。")
                    % {"town": town.name},
                )
        values["notes"] = clean_text(raw.get("notes"))
        if len(errors) == n_errors:
            out.append(_Row(r, values))
    return out


def _existing_rows(programme: Programme, numbers: list[str]) -> dict[str, tuple]:
    """(id, *WRITE_FIELDS) of the programme's households with these ID numbers, by number."""
    names = ["id_number", "id", *WRITE_FIELDS]
    existing: dict[str, tuple] = {}
    if connection.vendor == "postgresql":
        # One query with an array parameter: ten times faster than chunks of IN (...) lists.
        qn = connection.ops.quote_name
        columns = ", ".join(
            qn(Household._meta.get_field(n.removesuffix("_id") if n != "id" else n).column)
            for n in names
        )
        sql = (
            f"SELECT {columns} FROM {qn(Household._meta.db_table)} "
            "WHERE programme_id = %s AND id_number = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [programme.pk, numbers])
            for values in cursor.fetchall():
                existing[values[0]] = values[1:]
        return existing
    chunk = 2000
    for i in range(0, len(numbers), chunk):
        for values in Household.objects.filter(
            programme=programme, id_number__in=numbers[i : i + chunk]
        ).values_list(*names):
            existing[values[0]] = values[1:]
    return existing


def _classify(
    parsed: list[_Row],
    plan: Plan,
    lk: _Lookups,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Created / updated / unchanged against the database; conflicts become row errors.

    Existing rows are compared as plain tuples (no model instances); only the households that
    change are loaded as models, so re-importing a big unchanged file stays cheap.
    """
    programme = plan.programme
    numbers = [row.values["id_number"] for row in parsed]
    existing = _existing_rows(programme, numbers)
    town_names = {t.id: t.name for t in lk.towns.values()}
    now = timezone.now()
    header_id = dict(COLUMNS)["id_number"]
    total = plan.total_rows
    status_at = 1 + WRITE_FIELDS.index("status")
    changes: dict[int, tuple[_Row, dict[str, Any], list[str]]] = {}
    new_rows: list[_Row] = []
    for n, row in enumerate(parsed):
        if progress and n and n % PROGRESS_EVERY == 0:
            progress(total // 2 + n // 4, total)
        v = row.values
        derived = (
            HouseholdStatus.BUILT.value
            if v["completed_on"]
            else HouseholdStatus.CONTRACTED.value
            if v["signed_on"]
            else HouseholdStatus.SURVEYED.value
        )
        v["status"] = derived
        current = existing.get(v["id_number"])
        if current is None:
            new_rows.append(row)
            continue
        pk, cur = current[0], dict(zip(WRITE_FIELDS, current[1:], strict=True))
        if cur["town_id"] != v["town"].id:
            plan.errors.append(
                RowError(
                    row.excel_row,
                    header_id,
                    _("该身份证号已在%(town)s登记，同一户在本年度只能登记一次。")
                    % {"town": town_names.get(cur["town_id"], "")},
                )
            )
            continue
        wanted = {
            "town_id": v["town"].id,
            "village_id": v["village"].pk,
            "head_name": v["head_name"],
            "phone": v.get("phone", cur["phone"]),
            "address": v["address"],
            "size": v["size"],
            "route": v["route"],
            "equipment_id": v["equipment"].pk if v["equipment"] else None,
            "contractor_id": v["contractor"].pk if v["contractor"] else None,
            # An import adds or corrects dates; it never erases a recorded milestone.
            "contract_signed_on": v["signed_on"] or cur["contract_signed_on"],
            "construction_completed_on": v["completed_on"] or cur["construction_completed_on"],
            "notes": v["notes"],
            "status": current[status_at],
        }
        if cur["status"] in STATUS_RANK and STATUS_RANK[derived] > STATUS_RANK[cur["status"]]:
            wanted["status"] = derived  # forwards only, never back
        changed = [f for f in WRITE_FIELDS if cur[f] != wanted[f]]
        if v["village"].pk is None:
            changed.append("village_id")
        if not changed:
            plan.unchanged += 1
            continue
        if cur["status"] in (HouseholdStatus.ACCEPTED, HouseholdStatus.WITHDRAWN):
            plan.errors.append(
                RowError(
                    row.excel_row,
                    header_id,
                    _("该户%(status)s，不能通过导入修改。")
                    % {"status": HouseholdStatus(cur["status"]).label},
                )
            )
            continue
        changes[pk] = (row, wanted, sorted(set(changed)))
    if plan.errors:
        return
    programme_id = programme.pk
    for n, row in enumerate(new_rows):
        if progress and n and n % PROGRESS_EVERY == 0:
            progress(total // 2 + total // 4 + n // 4, total)
        v = row.values
        h = new_household(
            programme_id=programme_id,
            town_id=v["town"].id,
            village_id=v["village"].pk,
            head_name=v["head_name"],
            id_number=v["id_number"],
            id_tail=v["id_number"][-6:],
            phone=v.get("phone", ""),
            address=v["address"],
            size=v["size"],
            route=v["route"],
            equipment_id=v["equipment"].pk if v["equipment"] else None,
            contractor_id=v["contractor"].pk if v["contractor"] else None,
            contract_signed_on=v["signed_on"],
            construction_completed_on=v["completed_on"],
            notes=v["notes"],
            status=v["status"],
            created_at=now,
            updated_at=now,
        )
        if v["village"].pk is None:
            h.village = v["village"]  # registered by the commit, before the households
        plan.to_create.append(h)
    if changes:
        for h in Household.objects.filter(pk__in=list(changes)).order_by("id"):
            row, wanted, changed = changes[h.pk]
            for f, value in wanted.items():
                setattr(h, f, value)
            if row.values["village"].pk is None:
                h.village = row.values["village"]
            h.updated_at = now
            h._import_changed = changed
            plan.to_update.append(h)
    plan.preview = {
        "created": [_preview_row(r.values) for r in new_rows[:PREVIEW_ROWS]],
        "updated": [
            {**_preview_row(changes[h.pk][0].values), "changed": [_field_label(f) for f in c]}
            for h, c in ((h, h._import_changed) for h in plan.to_update[:PREVIEW_ROWS])
        ],
        "new_villages": sorted(f"{v.town.name}·{v.name}" for v in plan.new_villages.values()),
    }


_PROTOTYPE: tuple[list[Any], dict[str, int]] | None = None


def new_household(**values: Any) -> Household:
    """A Household built positionally from plain values: several times cheaper than keywords.

    Fields not given keep their model defaults (as plain values, not enum members).
    """
    global _PROTOTYPE
    if _PROTOTYPE is None:
        proto = Household()
        fields = Household._meta.concrete_fields
        _PROTOTYPE = (
            [_plain(getattr(proto, f.attname)) for f in fields],
            {f.attname: i for i, f in enumerate(fields)},
        )
    row, index = _PROTOTYPE[0].copy(), _PROTOTYPE[1]
    for name, value in values.items():
        row[index[name]] = value
    return Household(*row)


def _preview_row(v: dict[str, Any]) -> dict[str, Any]:
    from tasks.validators import mask_id_number

    return {
        "village": v["village"].name,
        "head_name": v["head_name"],
        "id_number": mask_id_number(v["id_number"]),
        "route": LABEL_BY_ROUTE.get(v["route"], ""),
        "status": str(HouseholdStatus(v["status"]).label),
    }


def _field_label(name: str) -> str:
    return str(Household._meta.get_field(name.removesuffix("_id")).verbose_name)


# --------------------------------------------------------------------------- commit


@transaction.atomic
def commit(plan: Plan, *, user: Any = None) -> dict[str, int]:
    """Write the plan: all or nothing, in bulk, one history row per created or changed household."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    if not plan.ok:
        raise ValueError("a plan with errors cannot be committed")
    if plan.new_villages:
        villages = list(plan.new_villages.values())
        Village.objects.bulk_create(villages)
        if villages and villages[0].pk is None:  # a backend without RETURNING
            by_key = {
                (v.town_id, v.name): v
                for v in Village.objects.filter(town_id__in={v.town_id for v in villages})
            }
            for v in villages:
                v.pk = by_key[(v.town_id, v.name)].pk
        for h in plan.to_create + plan.to_update:
            village = h._state.fields_cache.get("village")
            if village is not None and h.village_id is None:
                h.village_id = village.pk
    reason = _("Excel 导入")
    started = time.perf_counter()
    try:
        if plan.to_create:
            if connection.vendor == "postgresql":
                _copy_create_with_history(plan.to_create, user=user, reason=reason)
            else:
                bulk_create_with_history(
                    plan.to_create,
                    Household,
                    batch_size=2000,
                    default_user=user,
                    default_change_reason=reason,
                )
        if plan.to_update:
            bulk_update_with_history(
                plan.to_update,
                Household,
                [*WRITE_FIELDS, "updated_at"],
                batch_size=1000,
                default_user=user,
                default_change_reason=reason,
            )
    except IntegrityError:
        raise UnusableFile(
            _("导入期间台账已被他人修改（身份证号冲突），本次未写入任何数据，请重新导入。")
        ) from None
    plan.timings["write"] = time.perf_counter() - started
    return plan.counts()


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _copy_create_with_history(households: list[Household], *, user: Any, reason: str) -> None:
    """PostgreSQL: the rows simple_history's `bulk_create_with_history` would write, by COPY.

    Django's bulk_create spends most of its time preparing each value in Python and psycopg
    more binding the parameters of huge INSERTs; COPY streams the same rows for a fraction of
    that. Ids are taken from the table's sequence first, so the history rows (one per
    household, type "+", same user, date and reason as the library writes) can name them.
    """
    history_model = Household.history.model
    qn = connection.ops.quote_name
    table = Household._meta.db_table
    fields = [f for f in Household._meta.concrete_fields]
    tracked = [f.attname for f in history_model.tracked_fields]
    history_fields = [f for f in history_model._meta.concrete_fields if f.attname != "history_id"]
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    # Enum members (choices) could reach a row through code that builds households itself.
    first = households[0].__dict__
    enums = {a for a, value in first.items() if isinstance(value, enum.Enum)}
    special = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": user_id,
    }
    attnames = [f.attname for f in fields]
    history_columns = [f.attname for f in history_fields if f.attname not in special]
    assert all(a in tracked and a in attnames for a in history_columns)
    # Each household's row is read once from its __dict__ (plain values, see new_household;
    # no descriptor per field) and the history row is taken from it by position: C-level
    # itemgetters instead of a getattr and an isinstance per field.
    row_of = operator.itemgetter(*attnames)
    history_of = operator.itemgetter(*(attnames.index(a) for a in history_columns))
    history_tail = tuple(special[f.attname] for f in history_fields if f.attname in special)
    history_order = history_columns + [f.attname for f in history_fields if f.attname in special]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(households)],
        )
        for h, (pk,) in zip(households, cursor.fetchall(), strict=True):
            h.pk = pk
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        # A thread sends the data while this one formats the next rows: the server's work
        # (indexes) overlaps with Python's instead of each waiting for the other.
        from psycopg.copy import QueuedLibpqWriter as writer

        rows = []
        for h in households:
            row = row_of(h.__dict__)
            if enums:
                row = tuple(_plain(value) for value in row)
            rows.append(row)
        # The types are asked before each COPY: no other query can run while one is open.
        types = _column_types(cursor, table, [f.column for f in fields])
        columns = ", ".join(qn(f.column) for f in fields)
        # Binary COPY: no text formatting of dates and numbers on either side.
        sql = f"COPY {qn(table)} ({columns}) FROM STDIN (FORMAT BINARY)"
        with raw.copy(sql, writer=writer(raw)) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        history_table = history_model._meta.db_table
        history_db_columns = [history_model._meta.get_field(a).column for a in history_order]
        types = _column_types(cursor, history_table, history_db_columns)
        columns = ", ".join(qn(c) for c in history_db_columns)
        sql = f"COPY {qn(history_table)} ({columns}) FROM STDIN (FORMAT BINARY)"
        with raw.copy(sql, writer=writer(raw)) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(history_of(row) + history_tail)


def _column_types(cursor: Any, table: str, columns: list[str]) -> list[str]:
    """The PostgreSQL type names of these columns, so COPY picks each dumper once, not per value."""
    cursor.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        [connection.ops.quote_name(table)],
    )
    types = dict(cursor.fetchall())
    return [types[c] for c in columns]


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False
    plan: Plan | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a big file is processed.

    Validation creates millions of small objects that are all alive until the end; each full
    collection walks all of them, so collections grow with the file (measured: parse and
    classify took 7-9x longer for 5x the rows). Nothing here makes reference cycles worth
    collecting midway.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_ledger(
    path: str | Path,
    *,
    programme: Programme,
    scope: Scope,
    user: Any = None,
    create_villages: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Validate and (unless dry_run or rows are bad) commit. Raises UnusableFile."""
    with gc_paused():
        plan = validate(
            path,
            programme=programme,
            scope=scope,
            create_villages=create_villages,
            progress=progress,
        )
        outcome = ImportOutcome(errors=plan.errors, plan=plan, **plan.counts())
        if plan.ok and not dry_run:
            commit(plan, user=user)
            outcome.committed = True
    return outcome


def errors_as_dicts(errors: Iterable[RowError]) -> list[dict[str, Any]]:
    return [e.as_dict() for e in errors]
