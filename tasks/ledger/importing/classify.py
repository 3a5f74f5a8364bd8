"""Classification: each parsed row against the database, as created / updated / unchanged.

A row's status comes from its dates (签约日期 → contracted, 开工日期 → under construction,
完工日期 → built) and is reached through `HOUSEHOLD_FLOW`, step by step from where the household
stands, each step with the date the ledger's services ask of it (`check_signed_on`,
`check_started_on`, `check_completed_on`) and, to start construction, the town's approved plan.
A row without 开工日期 that goes to 已完工 from before construction starts on its 完工日期 (the
services allow a start on the day of completion). An import never moves a household backwards:
a household already past the row's status keeps its own.

Rows are matched by ID number; a row whose ID is masked (an export made without the full-ID
permission) is matched by its 台账编号 instead, and its masked number must be the household's.

Existing rows are compared as plain tuples (no model instances); only the households that
change are loaded as models, so re-importing a big unchanged file stays cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.ledger.importing.columns import HEADER
from tasks.ledger.importing.parsers import LABEL_BY_ROUTE, Lookups, duplicate_message
from tasks.ledger.importing.plan import Plan, RowError
from tasks.ledger.importing.write import WRITE_FIELDS, new_household
from tasks.ledger.preconditions import contract_missing
from tasks.ledger.queries import plan_not_approved_refusal
from tasks.ledger.services import check_completed_on, check_signed_on, check_started_on
from tasks.models import Household, HouseholdStatus, Programme
from tasks.models.ledger import HOUSEHOLD_FLOW
from tasks.validators import mask_id_number

PREVIEW_ROWS = 20
PROGRESS_EVERY = 5000
#: The flow's forward steps an import may take, in order.
FORWARD = ("contract", "start", "complete")


@dataclass(slots=True)
class Row:
    excel_row: int
    values: dict[str, Any]


class _Standing:
    """A status alone, as `HOUSEHOLD_FLOW` reads it."""

    __slots__ = ("status",)

    def __init__(self, status: str) -> None:
        self.status = status

    def get_status_display(self) -> str:
        return str(HouseholdStatus(self.status).label)


@functools.cache
def steps_towards(current: str, target: str) -> tuple[str, ...]:
    """The forward steps from `current` to `target`; none when it is there or already past."""
    standing, taken = _Standing(current), []
    for name in FORWARD:
        if standing.status == target:
            break
        if HOUSEHOLD_FLOW.can(standing, name):
            HOUSEHOLD_FLOW.apply(standing, name)
            taken.append(name)
    return tuple(taken) if standing.status == target else ()


def target_status(v: dict[str, Any]) -> str:
    if v["completed_on"]:
        return HouseholdStatus.BUILT.value
    if v.get("started_on"):
        return HouseholdStatus.UNDER_CONSTRUCTION.value
    if v["signed_on"]:
        return HouseholdStatus.CONTRACTED.value
    return HouseholdStatus.SURVEYED.value


def _contract_missing(v: dict[str, Any], lk: Lookups) -> tuple[str, str] | None:
    """What signing needs (the contract service's own rule), as (column key, message)."""
    household = SimpleNamespace(
        contractor_id=v["contractor"].pk if v["contractor"] else None,
        equipment_id=v["model"].pk if v["model"] else None,
        route=v["route"],
    )
    missing = contract_missing(household, equipment_routes=lk.equipment_routes)
    if "contractor" in missing:
        return "contractor", missing["contractor"]
    if "equipment" in missing:
        return "model", missing["equipment"]
    return None


def step_refusal(
    steps: tuple[str, ...], v: dict[str, Any], cur: dict[str, Any], lk: Lookups, today: Any
) -> tuple[str, str] | None:
    """(column key, message) of the first step this row may not take, or None."""
    signed = v["signed_on"] or cur.get("contract_signed_on")
    given_start = v.get("started_on")
    started = given_start or cur.get("construction_started_on")
    completed = v["completed_on"]
    try:
        for step in steps:
            if step == "contract":
                check_signed_on(v["signed_on"], today=today)
                missing = _contract_missing(v, lk)
                if missing:
                    return missing
            elif step == "start":
                refusal = plan_not_approved_refusal(v["town"], lk.approved_towns)
                if refusal:
                    return ("started_on" if given_start else "completed_on"), refusal
                started = given_start or completed
                check_started_on(started, signed_on=signed, today=today)
            else:
                check_completed_on(completed, started_on=started, today=today)
        if (
            given_start
            and "start" not in steps
            and given_start != cur.get("construction_started_on")
        ):
            # A corrected start date of a household already under way keeps the same rules.
            check_started_on(given_start, signed_on=signed, today=today)
            done = completed or cur.get("construction_completed_on")
            if done:
                check_completed_on(done, started_on=given_start, today=today)
    except ValidationError as e:
        field = next(iter(e.message_dict))
        key = {
            "contract_signed_on": "signed_on",
            "construction_started_on": "started_on" if given_start else "completed_on",
        }.get(field, "completed_on")
        return key, e.message_dict[field][0]
    return None


def match_ledger_numbers(
    parsed: list[Row], programme: Programme, seen: dict[str, int], errors: list[RowError]
) -> list[Row]:
    """Rows with a 台账编号 against that household; masked ID numbers replaced by its own.

    A row may not change a household's ID number: a number (masked or not) that is not the
    household's is refused by row. Returns the rows without error.
    """
    numbers = {r.values["ledger_no"] for r in parsed if r.values.get("ledger_no")}
    if not numbers and not any("*" in r.values["id_number"] for r in parsed):
        return parsed
    stored: dict[int, str] = {}
    ordered = sorted(numbers)
    for i in range(0, len(ordered), 2000):  # an export of a whole district: chunks of IN (...)
        stored.update(
            Household.objects.filter(programme=programme, pk__in=ordered[i : i + 2000]).values_list(
                "pk", "id_number"
            )
        )
    out = []
    for row in parsed:
        error = _match_one(row, stored, seen)
        if error is None:
            out.append(row)
        else:
            errors.append(error)
    return out


def _match_one(row: Row, stored: dict[int, str], seen: dict[str, int]) -> RowError | None:
    v = row.values
    number, ledger_no = v["id_number"], v.get("ledger_no")
    masked = "*" in number
    if ledger_no is None:
        if not masked:
            return None
        message = _(
            "身份证号已打码（导出时没有查看完整身份证号的权限）：请保留导出文件中的“台账编号”列，"
            "按台账编号识别该户。"
        )
        return _row_error(row, "id_number", message)
    own = stored.get(ledger_no)
    if own is None and not masked:
        return None  # e.g. last year's export: a full number is matched by itself
    if own is None:
        message = _("台账编号 %(n)d 不是本年度台账中的户。") % {"n": ledger_no}
        return _row_error(row, "ledger_no", message)
    if (mask_id_number(own) if masked else own) != number:
        message = _("身份证号与台账编号 %(n)d 的户不符：身份证号不能通过导入修改。") % {
            "n": ledger_no
        }
        return _row_error(row, "id_number", message)
    if masked:
        v["id_number"] = own
        first = seen.setdefault(own, row.excel_row)
        if first != row.excel_row:
            return _row_error(row, "id_number", duplicate_message(first))
    return None


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


def _wanted(
    v: dict[str, Any], cur: dict[str, Any], status: str, steps: tuple[str, ...]
) -> dict[str, Any]:
    """The WRITE_FIELDS this row asks for; an import adds or corrects dates, never erases one."""
    completed = v["completed_on"] or cur["construction_completed_on"]
    started = (
        v.get("started_on")
        or cur["construction_started_on"]
        or (completed if "start" in steps else None)
    )
    return {
        "town_id": v["town"].id,
        "village_id": v["village"].pk,
        "head_name": v["head_name"],
        "phone": v.get("phone", cur["phone"]),
        "address": v["address"],
        "size": v["size"],
        "route": v["route"],
        "equipment_id": v["model"].pk if v["model"] else None,
        "contractor_id": v["contractor"].pk if v["contractor"] else None,
        "contract_signed_on": v["signed_on"] or cur["contract_signed_on"],
        "construction_started_on": started,
        "construction_completed_on": completed,
        "notes": v["notes"],
        "status": status,
    }


_NEW = dict.fromkeys(WRITE_FIELDS) | {"status": HouseholdStatus.SURVEYED.value, "phone": ""}


def _row_error(row: Row, key: str, message: str) -> RowError:
    return RowError(row.excel_row, HEADER[key], message)


def _compare(
    row: Row, current: tuple | None, lk: Lookups, town_names: dict[int, str], today: Any
) -> tuple[dict[str, Any] | None, list[str], RowError | None]:
    """What the row wants written and which fields that changes; or the row's error."""
    v = row.values
    cur = _NEW if current is None else dict(zip(WRITE_FIELDS, current[1:], strict=True))
    if current is not None and cur["town_id"] != v["town"].id:
        message = _("该身份证号已在其他镇（街道）登记，同一户在本年度只能登记一次。")
        return None, [], _row_error(row, "id_number", message)
    steps = steps_towards(cur["status"], target_status(v))
    refusal = step_refusal(steps, v, cur, lk, today) if steps else None
    if refusal:
        return None, [], _row_error(row, *refusal)
    status = target_status(v) if steps else cur["status"]
    wanted = _wanted(v, cur, status, steps)
    if current is None:
        return wanted, [], None
    changed = [f for f in WRITE_FIELDS if cur[f] != wanted[f]]
    if v["village"].pk is None:
        changed.append("village_id")
    if changed and cur["status"] in (HouseholdStatus.ACCEPTED, HouseholdStatus.WITHDRAWN):
        message = _("该户%(status)s，不能通过导入修改。") % {
            "status": HouseholdStatus(cur["status"]).label
        }
        return None, [], _row_error(row, "id_number", message)
    return wanted, sorted(set(changed)), None


def classify(
    parsed: list[Row],
    plan: Plan,
    lk: Lookups,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Created / updated / unchanged against the database; conflicts become row errors."""
    existing = _existing_rows(plan.programme, [row.values["id_number"] for row in parsed])
    town_names = {t.id: t.name for t in lk.towns.values()}
    today = timezone.localdate()
    total = plan.total_rows
    changes: dict[int, tuple[Row, dict[str, Any], list[str]]] = {}
    new_rows: list[tuple[Row, dict[str, Any]]] = []
    for n, row in enumerate(parsed):
        if progress and n and n % PROGRESS_EVERY == 0:
            progress(total // 2 + n // 2, total)
        current = existing.get(row.values["id_number"])
        wanted, changed, error = _compare(row, current, lk, town_names, today)
        if error is not None:
            plan.errors.append(error)
        elif current is None:
            new_rows.append((row, wanted))
        elif changed:
            changes[current[0]] = (row, wanted, changed)
        else:
            plan.unchanged += 1
    if plan.errors:
        return
    plan.to_create = _households_to_create(plan.programme.pk, new_rows)
    plan.to_update = _households_to_update(changes)
    plan.preview = {
        "created": [_preview_row(r.values, w) for r, w in new_rows[:PREVIEW_ROWS]],
        "updated": [
            {**_preview_row(row.values, w), "changed": [_field_label(f) for f in c]}
            for row, w, c in (changes[h.pk] for h in plan.to_update[:PREVIEW_ROWS])
        ],
        "new_villages": sorted(f"{v.town.name}·{v.name}" for v in plan.new_villages.values()),
    }


def _households_to_create(
    programme_id: int, new_rows: list[tuple[Row, dict[str, Any]]]
) -> list[dict[str, Any]]:
    now = timezone.now()
    out = []
    for row, wanted in new_rows:
        number = row.values["id_number"]
        h = new_household(
            programme_id=programme_id,
            id_number=number,
            id_tail=number[-6:],
            created_at=now,
            updated_at=now,
            **wanted,
        )
        if row.values["village"].pk is None:
            h["village"] = row.values["village"]  # registered by the commit, before the rows
        out.append(h)
    return out


def _households_to_update(
    changes: dict[int, tuple[Row, dict[str, Any], list[str]]],
) -> list[Household]:
    now = timezone.now()
    out = []
    if not changes:
        return out
    for h in Household.objects.filter(pk__in=list(changes)).order_by("id"):
        row, wanted, _changed = changes[h.pk]
        for f, value in wanted.items():
            setattr(h, f, value)
        if row.values["village"].pk is None:
            h.village = row.values["village"]
        h.updated_at = now
        out.append(h)
    return out


def _preview_row(v: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    return {
        "village": v["village"].name,
        "head_name": v["head_name"],
        "id_number": mask_id_number(v["id_number"]),
        "route": LABEL_BY_ROUTE.get(v["route"], ""),
        "status": str(HouseholdStatus(wanted["status"]).label),
    }


def _field_label(name: str) -> str:
    return str(Household._meta.get_field(name.removesuffix("_id")).verbose_name)
