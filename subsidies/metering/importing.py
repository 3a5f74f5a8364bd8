"""Season readings in: rows from a file or the API → checked rows → a plan of what to write.

Every bad row is collected (row, column header, Chinese message) before anything is written;
the services write the plan all or nothing. The checks, one small function per rule: the
meter is registered (and, for the API, belongs to the submitting utility), the ID number
matches its household (a masked number is fine), the household is accepted and not
withdrawn, the season is one of the programme's six, end ≥ start, the usage (when given)
matches the readings, the date is a date, no meter twice in one submission.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from acceptance.queries import accepted_households
from subsidies.metering.files import HEADERS
from subsidies.metering.models import Meter, MeterReading, Utility
from tasks.ledger.importing.parsers import parse_date
from tasks.ledger.importing.plan import RowError, WritePlan
from tasks.ledger.importing.text import clean_text, key_text
from tasks.models import Household, HouseholdStatus, Programme

#: Readings are stored with 2 decimals and at most 10 digits before the point.
_MAX_READING = Decimal("9999999999.99")
_TWO = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Row:
    """One checked row: what would be stored."""

    row: int
    meter_id: int
    household_id: int
    start: Decimal
    end: Decimal
    usage: Decimal
    read_on: datetime.date


@dataclass
class ReadingPlan(WritePlan):
    programme: Programme
    season: str
    utility: Utility | None = None
    errors: list[RowError] = field(default_factory=list)
    to_create: list[Row] = field(default_factory=list)
    #: (the checked row, the stored reading as (id, start, end, usage, read_on))
    to_update: list[tuple[Row, tuple]] = field(default_factory=list)
    unchanged: int = 0

    def household_ids(self) -> set[int]:
        return {r.household_id for r in self.to_create} | {
            r.household_id for r, _old in self.to_update
        }


class _Bad(Exception):
    def __init__(self, key: str, message: str) -> None:
        self.key, self.message = key, message


_PLAIN = re.compile(r"\d{1,10}(?:\.\d{1,2})?")


def _number(value: Any, key: str) -> Decimal | None:
    # The common case first: a plain number as a csv or an API writes it.
    if type(value) is str and _PLAIN.fullmatch(value):
        return Decimal(value).quantize(_TWO)
    if type(value) is int and 0 <= value <= _MAX_READING:
        return Decimal(value).quantize(_TWO)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Bad(key, _("不是数字"))
    try:
        number = Decimal(str(value) if isinstance(value, float) else clean_text(value))
    except (InvalidOperation, ValueError):
        raise _Bad(key, _("不是数字：%(v)s") % {"v": clean_text(value)[:30]}) from None
    if not number.is_finite() or number < 0:
        raise _Bad(key, _("读数不能为负数或非数字"))
    if number > _MAX_READING:
        raise _Bad(key, _("数值过大"))
    if number != number.quantize(_TWO):
        raise _Bad(key, _("最多保留两位小数"))
    return number.quantize(_TWO)


_DATES: dict[tuple[Any, str], datetime.date | str] = {}


def _read_on(value: Any, season: str) -> datetime.date:
    """The reading date; a file repeats a handful of dates, so each text is parsed once."""
    if type(value) is str:
        key = (value, season)
        if key not in _DATES:
            if len(_DATES) > 10_000:
                _DATES.clear()
            try:
                _DATES[key] = _parse_read_on(value, season)
            except _Bad as bad:
                _DATES[key] = bad.message
        hit = _DATES[key]
        if isinstance(hit, str):
            raise _Bad("read_on", hit)
        return hit
    return _parse_read_on(value, season)


def _parse_read_on(value: Any, season: str) -> datetime.date:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Bad("read_on", _("必填"))
    try:
        date = parse_date(value)
    except Exception:  # the ledger's parser raises ValueError/ValidationError with Chinese text
        date = None
    if not isinstance(date, datetime.date):
        raise _Bad("read_on", _("不是有效日期：%(v)s") % {"v": clean_text(value)[:30]})
    first = int(season[:4])
    if not datetime.date(first, 10, 1) <= date <= datetime.date(first + 1, 12, 31):
        raise _Bad("read_on", _("抄表日期不在 %(s)s 采暖季内或其后") % {"s": season})
    if date > timezone.localdate():
        raise _Bad("read_on", _("抄表日期晚于今天"))
    return date


def _id_matches(given: str, real: str) -> bool:
    """A full ID number, or a masked one (370302********123X) whose shown digits match."""
    given = given.upper()
    real = real.upper()
    if len(given) != len(real):
        return False
    return (
        all(g == r or g == "*" for g, r in zip(given, real, strict=True))
        and given.count("*") <= len(real) - 8
    )


class _Context:
    """What the checks look up, loaded once per submission."""

    def __init__(self, plan: ReadingPlan) -> None:
        programme = plan.programme
        self.meters = {
            m[0]: m
            for m in Meter.objects.filter(programme=programme).values_list(
                "number", "id", "household_id", "utility_id"
            )
        }
        household_ids = {m[2] for m in self.meters.values()}
        self.households = (
            dict(Household.objects.filter(pk__in=household_ids).values_list("id", "id_number"))
            if len(household_ids) < 5000
            else dict(Household.objects.filter(programme=programme).values_list("id", "id_number"))
        )
        self.status = dict(
            Household.objects.filter(programme=programme).values_list("id", "status")
        )
        self.accepted = set(accepted_households(programme).values_list("id", flat=True))
        #: meter id → (reading id, start, end, usage, read_on): plain tuples, not models.
        self.existing = {
            r[1]: (r[0], *r[2:])
            for r in MeterReading.objects.filter(
                meter__programme=programme, season=plan.season
            ).values_list("id", "meter_id", "start", "end", "usage", "read_on")
        }
        self.seasons = set(programme.heating_seasons())
        self.seen: dict[int, int] = {}


def _check_meter(rec: dict[str, Any], plan: ReadingPlan, ctx: _Context) -> tuple:
    number = key_text(rec.get("number"))
    if not number:
        raise _Bad("number", _("必填"))
    meter = ctx.meters.get(number)
    if meter is None or (plan.utility is not None and meter[3] != plan.utility.pk):
        raise _Bad(
            "number", _("表号（户号）%(n)s 未登记，请先在台账中登记该户的表计") % {"n": number[:32]}
        )
    given = key_text(rec.get("id_number"))
    if given and not _id_matches(given, ctx.households.get(meter[2], "")):
        raise _Bad("id_number", _("该表号（户号）登记在另一户名下，身份证号不符"))
    if meter[2] not in ctx.accepted:
        if ctx.status.get(meter[2]) == HouseholdStatus.WITHDRAWN:
            raise _Bad("number", _("该户已退出，不能登记抄表数据"))
        raise _Bad("number", _("该户尚未通过验收，不能登记抄表数据"))
    first = ctx.seen.setdefault(meter[1], rec["row"])
    if first != rec["row"]:
        raise _Bad("number", _("与第 %(r)d 行重复：同一表号同一采暖季只能有一行") % {"r": first})
    return meter


def _check_season(rec: dict[str, Any], plan: ReadingPlan, ctx: _Context) -> None:
    season = key_text(rec.get("season")).replace("－", "-").replace("—", "-")
    if season and season != plan.season:
        raise _Bad(
            "season",
            _("采暖季 %(s)s 与本次导入的采暖季 %(p)s 不一致")
            % {"s": season[:20], "p": plan.season},
        )
    if plan.season not in ctx.seasons:
        raise _Bad("season", _("采暖季 %(s)s 不在该户的 6 个补贴采暖季内") % {"s": plan.season})


def _check_readings(rec: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    start = _number(rec.get("start"), "start")
    end = _number(rec.get("end"), "end")
    usage = _number(rec.get("usage"), "usage")
    if start is None:
        raise _Bad("start", _("必填"))
    if end is None:
        raise _Bad("end", _("必填"))
    if end < start:
        raise _Bad("end", _("截止读数 %(e)s 小于起始读数 %(s)s") % {"e": end, "s": start})
    if usage is not None and usage != end - start:
        raise _Bad(
            "usage",
            _("用量 %(u)s 与读数不符（截止读数 − 起始读数 = %(d)s）")
            % {"u": usage, "d": end - start},
        )
    return start, end, end - start


def _check(rec: dict[str, Any], plan: ReadingPlan, ctx: _Context) -> list[RowError] | Row:
    errors = []
    meter = None
    for check in (_check_season, _check_meter):
        try:
            result = check(rec, plan, ctx)
        except _Bad as bad:
            errors.append(RowError(rec["row"], HEADERS[bad.key], bad.message))
        else:
            meter = result if check is _check_meter else meter
    values: list[Any] = []
    for check in (
        lambda: _check_readings(rec),
        lambda: (_read_on(rec.get("read_on"), plan.season),),
    ):
        try:
            values.extend(check())
        except _Bad as bad:
            errors.append(RowError(rec["row"], HEADERS[bad.key], bad.message))
    if errors:
        return errors
    start, end, usage, read_on = values
    return Row(rec["row"], meter[1], meter[2], start, end, usage, read_on)


def validate(
    recs: list[dict[str, Any]], *, programme: Programme, season: str, utility: Utility | None = None
) -> ReadingPlan:
    """Check every row; classify the good ones as created / updated / unchanged."""
    plan = ReadingPlan(programme=programme, season=season, utility=utility)
    _DATES.clear()  # "not after today" moves with the calendar
    if not recs:
        plan.errors.append(RowError(None, "", _("文件中没有抄表数据行。")))
        return plan
    ctx = _Context(plan)
    for rec in recs:
        checked = _check(rec, plan, ctx)
        if isinstance(checked, list):
            plan.errors.extend(checked)
            continue
        old = ctx.existing.get(checked.meter_id)
        if old is None:
            plan.to_create.append(checked)
        elif old[1:] == (checked.start, checked.end, checked.usage, checked.read_on):
            plan.unchanged += 1
        else:
            plan.to_update.append((checked, old))
    return plan
