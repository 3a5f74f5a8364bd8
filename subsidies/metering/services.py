"""Business actions on meters, readings, usage flags and adjustments.

Every action is keyword-only with the acting user as `by=`, runs in one transaction and
leaves history: simple-history rows for single saves, the `ReadingImport` row for the bulk
write of a submission (with the previous values of every reading it changed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from subsidies.metering.importing import ReadingPlan, Row
from subsidies.metering.models import (
    ADJUSTMENT_FLOW,
    FLAG_FLOW,
    KIND_BY_ROUTE,
    Adjustment,
    FlagKind,
    FlagStatus,
    Meter,
    MeteringReason,
    MeterReading,
    ReadingImport,
    ReadingSource,
    UsageFlag,
    Utility,
    UtilityToken,
    hash_token,
)
from subsidies.metering.repricing import RepriceResult, reprice_season
from subsidies.models import INSTALMENT_FLOW, Instalment, InstalmentItem
from subsidies.services.common import batches_changed, require_perm, user_or_none
from tasks.ledger.importing.plan import WriteOutcome
from tasks.models import Household
from zichuan_heating.feedback import required_text
from zichuan_heating.locks import retry_on_conflict
from zichuan_heating.scoping import sees_all_towns
from zichuan_heating.temp_tables import copied_rows

#: Season usage below LOW (near zero: 返煤 risk) or above HIGH flags the household, per kind.
USAGE_LIMITS = {
    "gas": (Decimal("50"), Decimal("3000")),
    "electric": (Decimal("200"), Decimal("15000")),
}


def usage_limits(kind: str) -> tuple[Decimal, Decimal]:
    limits = getattr(settings, "METERING_USAGE_LIMITS", USAGE_LIMITS)
    low, high = limits[kind]
    return Decimal(low), Decimal(high)


# ----------------------------------------------------------------------------- meters


def _check_may_edit_household(by: Any, household: Household) -> None:
    if not by.has_perm("tasks.change_household"):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if not sees_all_towns(by) and by.town_id != household.town_id:
        raise PermissionDenied(_("您没有执行此操作的权限。"))


@transaction.atomic
def meter_register(
    *,
    household: Household,
    number: str,
    utility: Utility,
    by: Any,
    installed_on: datetime.date | None = None,
) -> Meter:
    """Register the household's meter (the kind follows its route); the number must be free
    within the programme (also a database constraint)."""
    _check_may_edit_household(by, household)
    kind = KIND_BY_ROUTE.get(household.route)
    if kind is None:
        raise ValidationError({"number": _("集中供暖户不登记燃气表或电表。")})
    if utility.kind != kind:
        raise ValidationError({"utility": _("供气/供电单位与该户的改造方式不符。")})
    number = required_text(number, _("请填写表号（户号）。"), field="number")
    household = Household.objects.filter(pk=household.pk).locked().get()
    taken = Meter.objects.filter(programme_id=household.programme_id, number=number).first()
    if taken is not None and taken.household_id != household.pk:
        raise ValidationError(
            {"number": _("表号（户号）%(n)s 已登记在另一户名下。") % {"n": number}}
        )
    if taken is not None:
        return taken
    current = Meter.objects.filter(household=household, kind=kind, replaced_on__isnull=True)
    for old in current:
        old.replaced_on = installed_on or timezone.localdate()
        old._change_reason = MeteringReason.METER_REPLACED
        old.save()
    meter = Meter(
        household=household,
        programme_id=household.programme_id,
        kind=kind,
        number=number,
        utility=utility,
        installed_on=installed_on,
    )
    meter.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            meter.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"number": _("表号（户号）%(n)s 已被登记。") % {"n": number}}
        ) from exc
    return meter


# ----------------------------------------------------------------------------- readings

#: Above this many new or changed readings a submission is written by COPY (PostgreSQL).
COPY_ABOVE = 1000


@dataclass
class ReadingOutcome(WriteOutcome):
    record: ReadingImport | None = None
    reprice: RepriceResult | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
        }


def outcome_of(plan: ReadingPlan) -> ReadingOutcome:
    return ReadingOutcome(errors=plan.errors, **plan.counts())


@retry_on_conflict
@transaction.atomic
def readings_commit(
    *, plan: ReadingPlan, by: Any, source: str, file_name: str = ""
) -> ReadingOutcome:
    """Write a checked plan all or nothing, re-price the season, raise flags."""
    if by is not None and getattr(by, "pk", None) and plan.utility is None:
        require_perm(by, "subsidies.import_readings")
    outcome = outcome_of(plan)
    if not plan.ok:
        return outcome
    record = ReadingImport.objects.create(
        programme=plan.programme,
        season=plan.season,
        source=source,
        utility=plan.utility,
        file_name=file_name[:200],
        by=user_or_none(by),
        **plan.counts(),
    )
    _write_readings(plan, record)
    households = plan.household_ids()
    result = reprice_season(
        programme=plan.programme,
        season=plan.season,
        household_ids=households,
        note=_("抄表数据更正（导入 %(n)s）") % {"n": record.pk},
        reading_import=record,
        by=by,
    )
    batches_changed(result.batch_ids, by, _("抄表数据更新，批次金额已变更"))
    flags = _raise_flags(plan, result.usage)
    record.repriced = result.repriced
    record.adjustments = len(result.adjustments)
    record.flags = flags
    record.save(update_fields=["repriced", "adjustments", "flags", "details"])
    outcome.committed = True
    outcome.record = record
    outcome.reprice = result
    return outcome


def _copy_readings(plan: ReadingPlan, record: ReadingImport) -> None:
    """New readings streamed by COPY (PostgreSQL): 100,000 model objects cost seconds."""
    from django.db import connection

    cols = 'meter_id, season, start, "end", usage, read_on, source_import_id, updated_at'
    now = timezone.now()
    with connection.cursor() as c:
        sql = f"COPY {MeterReading._meta.db_table} ({cols}) FROM STDIN"
        with c.cursor.copy(sql) as copy:
            for r in plan.to_create:
                copy.write_row(
                    (r.meter_id, plan.season, r.start, r.end, r.usage, r.read_on, record.pk, now)
                )


def _write_readings(plan: ReadingPlan, record: ReadingImport) -> None:
    from django.db import connection

    if connection.vendor == "postgresql" and len(plan.to_create) > COPY_ABOVE:
        _copy_readings(plan, record)
    else:
        _bulk_create_readings(plan, record)
    _update_readings(plan, record)


def _bulk_create_readings(plan: ReadingPlan, record: ReadingImport) -> None:
    MeterReading.objects.bulk_create(
        [_reading(r, record, season=plan.season) for r in plan.to_create], batch_size=5000
    )


def _reading(row: Row, record: ReadingImport, **more: Any) -> MeterReading:
    """The stored reading a checked row becomes, written by the submission `record`."""
    return MeterReading(
        meter_id=row.meter_id,
        start=row.start,
        end=row.end,
        usage=row.usage,
        read_on=row.read_on,
        source_import=record,
        **more,
    )


def _update_readings(plan: ReadingPlan, record: ReadingImport) -> None:
    if not plan.to_update:
        return
    record.details = {
        "previous": [
            [old[0], str(old[1]), str(old[2]), str(old[3]), old[4].isoformat()]
            for _row, old in plan.to_update
        ]
    }
    now = timezone.now()
    changed = [_reading(row, record, id=old[0], updated_at=now) for row, old in plan.to_update]
    from django.db import connection

    if connection.vendor == "postgresql" and len(changed) > COPY_ABOVE:
        _copy_updates(changed, record, now)
        return
    MeterReading.objects.bulk_update(
        changed, ["start", "end", "usage", "read_on", "source_import", "updated_at"], 2000
    )


def _copy_updates(changed: list[MeterReading], record: ReadingImport, now: Any) -> None:
    """Changed readings through a temporary table and one UPDATE … FROM (PostgreSQL)."""
    from django.db import connection

    table = MeterReading._meta.db_table
    columns = (
        'id bigint, start numeric(12, 2), "end" numeric(12, 2), usage numeric(12, 2), read_on date'
    )
    rows = ((r.pk, r.start, r.end, r.usage, r.read_on) for r in changed)
    with connection.cursor() as c, copied_rows(c, "reading_update", columns, rows):
        c.execute(
            f'UPDATE {table} m SET start = u.start, "end" = u."end", usage = u.usage, '
            "read_on = u.read_on, source_import_id = %s, updated_at = %s "
            "FROM reading_update u WHERE m.id = u.id",
            [record.pk, now],
        )


def _raise_flags(plan: ReadingPlan, usage: dict[int, Decimal]) -> int:
    """Flag households whose season usage is near zero or implausibly high (once per season:
    an open flag is not raised twice; a decided one is raised again only if usage changed).

    `usage` is the season's usage of the households this submission touched."""
    routes = dict(
        Household.objects.filter(programme=plan.programme, route__in=list(KIND_BY_ROUTE))
        .values_list("id", "route")
        .iterator(chunk_size=20_000)
    )
    existing = {
        (f.household_id, f.status == FlagStatus.OPEN, f.usage)
        for f in UsageFlag.objects.filter(
            household__programme=plan.programme, season=plan.season
        ).only("household_id", "status", "usage")
    }
    open_ids = {hid for hid, is_open, _u in existing if is_open}
    decided = {(hid, u) for hid, is_open, u in existing if not is_open}
    new = []
    for hid, amount in usage.items():
        kind = KIND_BY_ROUTE.get(routes.get(hid, ""))
        if kind is None or hid in open_ids or (hid, amount) in decided:
            continue
        low, high = usage_limits(kind)
        if amount < low or amount > high:
            new.append(
                UsageFlag(
                    household_id=hid,
                    season=plan.season,
                    kind=FlagKind.LOW if amount < low else FlagKind.HIGH,
                    usage=amount,
                    threshold=low if amount < low else high,
                )
            )
    if new:
        bulk_create_with_history(new, UsageFlag, batch_size=2000)
    return len(new)


# ----------------------------------------------------------------------------- flags

_DECISIONS = {"release": "release", "withhold": "withhold", "release_withheld": "release_withheld"}


@retry_on_conflict
@transaction.atomic
def flag_decide(*, flag: UsageFlag, decision: str, reason: str, by: Any) -> UsageFlag:
    """Decide a flag: release (the household returns to the batches) or withhold, with a
    reason. The town decides its own households; finance decides any."""
    if not by.has_perm("subsidies.decide_flag"):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    reason = required_text(reason, _("请填写处理理由。"), field="reason")
    if decision not in _DECISIONS:
        raise ValidationError({"decision": _("请选择处理结果。")})
    household = Household.objects.filter(pk=flag.household_id).locked().get()
    if not sees_all_towns(by) and by.town_id != household.town_id:
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    flag = UsageFlag.objects.select_for_update().get(pk=flag.pk)
    FLAG_FLOW.apply(flag, decision)
    flag.decided_by = by
    flag.decided_at = timezone.now()
    flag.decision_reason = reason[:300]
    flag._change_reason = (
        MeteringReason.FLAG_WITHHELD if decision == "withhold" else MeteringReason.FLAG_RELEASED
    )
    flag.save()
    return flag


# ----------------------------------------------------------------------------- adjustments


@retry_on_conflict
@transaction.atomic
def adjustment_settle(*, adjustment: Adjustment, reference: str, by: Any) -> Adjustment:
    """The clawback was recovered (追回) or the top-up paid (补发), with its voucher number."""
    require_perm(by, "subsidies.settle_adjustment")
    reference = required_text(reference, _("请填写凭证号。"), field="reference")
    Household.objects.filter(pk=adjustment.household_id).locked().exists()
    adjustment = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
    ADJUSTMENT_FLOW.apply(adjustment, "settle")
    adjustment.reference = reference[:64]
    adjustment.settled_by = by
    adjustment.settled_at = timezone.now()
    adjustment._change_reason = MeteringReason.ADJUSTMENT_SETTLED
    adjustment.save()
    return adjustment


def next_instalment(adjustment: Adjustment) -> Instalment | None:
    """The household's next unpaid, unbatched operating instalment after the corrected one."""
    corrected = adjustment.instalment
    return (
        Instalment.objects.filter(
            household_id=adjustment.household_id,
            item=InstalmentItem.OPERATING,
            season__gt=corrected.season,
        )
        .filter(status__in=INSTALMENT_FLOW["batch"].sources)
        .order_by("season")
        .first()
    )


@retry_on_conflict
@transaction.atomic
def adjustment_offset(*, adjustment: Adjustment, by: Any) -> Adjustment:
    """Offset the adjustment against the next season's unpaid instalment: its amount moves
    by the adjustment (the old amount stays as `previous_amount`); the paid one is untouched."""
    require_perm(by, "subsidies.settle_adjustment")
    Household.objects.filter(pk=adjustment.household_id).locked().exists()
    adjustment = (
        Adjustment.objects.select_for_update().select_related("instalment").get(pk=adjustment.pk)
    )
    ADJUSTMENT_FLOW.check(adjustment, "offset")
    target = next_instalment(adjustment)
    if target is None:
        raise ValidationError(_("该户没有可以抵扣的下一采暖季补贴（须尚未入批次、未发放）。"))
    target = Instalment.objects.select_for_update().get(pk=target.pk)
    new_amount = target.amount + adjustment.signed
    if new_amount < 0:
        raise ValidationError(
            _("追缴金额 %(a)s 元大于下一采暖季补贴 %(b)s 元，不能全额抵扣，请按追回处理。")
            % {"a": adjustment.amount, "b": target.amount}
        )
    target.previous_amount, target.amount = target.amount, new_amount
    target._change_reason = MeteringReason.OFFSET_RECEIVED
    target.save()
    ADJUSTMENT_FLOW.apply(adjustment, "offset")
    adjustment.offset_instalment = target
    adjustment.settled_by = by
    adjustment.settled_at = timezone.now()
    adjustment._change_reason = MeteringReason.ADJUSTMENT_OFFSET
    adjustment.save()
    return adjustment


def readings_import_file(
    *,
    path: Any,
    programme: Any,
    season: str,
    by: Any = None,
    dry_run: bool = False,
    file_name: str = "",
) -> ReadingOutcome:
    """A readings file (xlsx or csv) checked and, unless dry_run or any row is bad, written.

    Raises `UnusableFile` for a file that cannot be read at all.
    """
    from subsidies.metering.files import records
    from subsidies.metering.importing import validate

    plan = validate(records(path), programme=programme, season=season)
    if dry_run or not plan.ok:
        return outcome_of(plan)
    return readings_commit(plan=plan, by=by, source=ReadingSource.FILE, file_name=file_name)


@transaction.atomic
def utility_token_issue(*, utility: Utility, username: str) -> tuple[UtilityToken, str]:
    """A new API key for the utility's system, under a user of its own with no role (so it
    can open no page); returns (token, key). Only the key's SHA-256 is stored."""
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_active": True}
    )
    if user.groups.exists() or user.is_staff or user.is_superuser:
        raise ValidationError(_("接口用户不能是已有角色的系统用户，请另起用户名。"))
    user.set_unusable_password()
    user.save(update_fields=["password"])
    key = UtilityToken.new_key()
    token = UtilityToken.objects.create(
        utility=utility, user=user, key_hash=hash_token(key), prefix=key[:8]
    )
    return token, key
