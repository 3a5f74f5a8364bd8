"""The meter's columns in the household ledger (表号（户号）, 供气/供电单位).

Registered in `SubsidiesConfig.ready()` through `tasks.ledger.importing.extra`, so the template,
the export and the import carry them while `tasks` knows nothing of meters. The import follows
`metering.services.meter_register`'s rules for the whole file at once: the kind follows the
household's route, a number belongs to one household in the programme, a different number
replaces the current meter (the old one closed today), a blank cell leaves the meter alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies.metering.models import KIND_BY_ROUTE, Meter, MeteringReason, Utility
from tasks.ledger.importing.columns import HEADER
from tasks.ledger.importing.extra import ExtraColumns, ExtraRow, extra_column
from tasks.ledger.importing.parsers import CellError
from tasks.ledger.importing.plan import RowError
from tasks.ledger.importing.text import clean_text, key_text
from tasks.models import Household
from zichuan_heating.spreadsheets import UnusableFile

NUMBER, UTILITY = "meter_number", "meter_utility"
NUMBER_MAX = Meter._meta.get_field("number").max_length


def _parse_number(value: Any) -> str:
    number = clean_text(value)
    if len(number) > NUMBER_MAX:
        raise CellError(_("表号（户号）最多 %(n)d 个字符。") % {"n": NUMBER_MAX})
    return number


def export(household_ids: list[int], full: bool = True) -> dict[int, dict[str, Any]]:
    """The current meter of each household's route kind (one query)."""
    out: dict[int, dict[str, Any]] = {}
    rows = Meter.objects.filter(household_id__in=household_ids, replaced_on__isnull=True)
    for pk, kind, number, utility, route in rows.values_list(
        "household_id", "kind", "number", "utility__name", "household__route"
    ):
        if KIND_BY_ROUTE.get(route) == kind:
            out[pk] = {NUMBER: number, UTILITY: utility}
    return out


@dataclass
class MeterChanges:
    #: (ID number, kind, number, utility id) of each meter to register.
    create: list[tuple[str, str, str, int]] = field(default_factory=list)
    #: Current meters a new number replaces.
    replace: list[int] = field(default_factory=list)
    #: (meter id, utility id): same number, another utility.
    utility: list[tuple[int, int]] = field(default_factory=list)


def check(rows: list[ExtraRow], programme: Any) -> tuple[list[RowError], MeterChanges]:
    """Every row's meter against the file and the database: a few queries for the file."""
    errors: list[RowError] = []
    changes = MeterChanges()
    given = [r for r in rows if r.values.get(NUMBER) or r.values.get(UTILITY)]
    if not given:
        return errors, changes
    utilities = {key_text(u.name): u for u in Utility.objects.all()}
    numbers = {r.values.get(NUMBER) for r in given} - {"", None}
    taken = {
        m["number"]: m
        for m in Meter.objects.filter(programme=programme, number__in=numbers).values(
            "number", "pk", "household__id_number", "replaced_on", "utility_id"
        )
    }
    current = {
        (m["household__id_number"], m["kind"]): m["pk"]
        for m in Meter.objects.filter(
            programme=programme,
            household__id_number__in={r.id_number for r in given},
            replaced_on__isnull=True,
        ).values("household__id_number", "kind", "pk")
    }
    seen: dict[str, int] = {}
    for row in given:
        problem = _row_change(row, utilities, taken, current, seen, changes)
        if problem is not None:
            key, message = problem
            errors.append(RowError(row.excel_row, HEADER[key], message))
    return errors, changes


def _row_change(
    row: ExtraRow,
    utilities: dict[str, Utility],
    taken: dict[str, dict[str, Any]],
    current: dict[tuple[str, str], int],
    seen: dict[str, int],
    changes: MeterChanges,
) -> tuple[str, str] | None:
    """(column key, message) of what is wrong with the row's meter, or None (change recorded)."""
    number, utility_name = row.values.get(NUMBER) or "", row.values.get(UTILITY) or ""
    if not number:
        return NUMBER, _("填写了供气/供电单位，请同时填写表号（户号）。")
    kind = KIND_BY_ROUTE.get(row.route)
    if kind is None:
        return NUMBER, _("集中供暖户不登记燃气表或电表。")
    first = seen.setdefault(number, row.excel_row)
    if first != row.excel_row:
        return NUMBER, _("表号（户号）%(n)s 与第 %(r)d 行重复：一个表号只属于一户。") % {
            "n": number,
            "r": first,
        }
    utility = utilities.get(key_text(utility_name)) if utility_name else None
    if utility_name and utility is None:
        return UTILITY, _("供气/供电单位“%(u)s”未登记。") % {"u": utility_name[:100]}
    if utility is not None and utility.kind != kind:
        return UTILITY, _("供气/供电单位与该户的改造方式不符。")
    meter = taken.get(number)
    if meter is not None:
        if meter["household__id_number"] != row.id_number:
            return NUMBER, _("表号（户号）%(n)s 已登记在另一户名下。") % {"n": number}
        if meter["replaced_on"] is not None:
            return NUMBER, _("表号（户号）%(n)s 是该户已更换的旧表，不能再次登记。") % {"n": number}
        if utility is not None and utility.pk != meter["utility_id"]:
            changes.utility.append((meter["pk"], utility.pk))
        return None
    if utility is None:
        return UTILITY, _("登记新的表号（户号）须填写供气/供电单位。")
    old = current.get((row.id_number, kind))
    if old is not None:
        changes.replace.append(old)
    changes.create.append((row.id_number, kind, number, utility.pk))
    return None


def write(changes: MeterChanges, programme: Any, by: Any) -> None:
    """Inside the import's transaction, in bulk, one history row per meter written."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    if not (changes.create or changes.replace or changes.utility):
        return
    today = timezone.localdate()
    replaced = list(Meter.objects.filter(pk__in=changes.replace))
    for meter in replaced:
        meter.replaced_on = max(today, meter.installed_on or today)
    retagged = {pk: utility for pk, utility in changes.utility}
    updated = list(Meter.objects.filter(pk__in=retagged))
    for meter in updated:
        meter.utility_id = retagged[meter.pk]
    household_of = dict(
        Household.objects.filter(
            programme=programme, id_number__in={c[0] for c in changes.create}
        ).values_list("id_number", "pk")
    )
    new = [
        Meter(household_id=household_of[id_number], programme=programme, kind=kind,
              number=number, utility_id=utility)
        for id_number, kind, number, utility in changes.create
    ]  # fmt: skip
    reason = MeteringReason.METER_IMPORTED.value
    try:
        if replaced:
            bulk_update_with_history(
                replaced, Meter, ["replaced_on"], default_user=by,
                default_change_reason=MeteringReason.METER_REPLACED.value,
            )  # fmt: skip
        if updated:
            bulk_update_with_history(
                updated, Meter, ["utility"], default_user=by, default_change_reason=reason
            )
        if new:
            bulk_create_with_history(new, Meter, default_user=by, default_change_reason=reason)
    except IntegrityError:
        raise UnusableFile(
            _("导入期间表计已被他人修改（表号冲突），本次未写入任何数据，请重新导入。")
        ) from None


def describe(changes: MeterChanges) -> str | None:
    if not (changes.create or changes.utility):
        return None
    return _("表计：新登记 %(n)d 个（其中更换现用表 %(r)d 个），更改供气/供电单位 %(u)d 个。") % {
        "n": len(changes.create),
        "r": len(changes.replace),
        "u": len(changes.utility),
    }


METER_COLUMNS = ExtraColumns(
    name="meters",
    columns=(
        extra_column(NUMBER, "表号（户号）", _parse_number, width=18, kind="text"),
        extra_column(UTILITY, "供气/供电单位", clean_text, width=16),
    ),
    export=export,
    check=check,
    write=write,
    describe=describe,
    rules=(
        gettext_lazy(
            "表号（户号）：气代煤户填燃气表号，电代煤户填电力户号，集中供暖户留空；"
            "一个表号只属于一户。登记新表号须填写供气/供电单位；表号与该户现用的表不同时，"
            "现用的表按今天更换。留空不会删除已登记的表计。"
        ),
    ),
)
