"""Business actions of the subsidies app: standards, schedules, batches, payments.

Every action runs in one transaction. Where money moves, the rows are locked first
(`select_for_update`) and the state re-checked under the lock, so two concurrent clicks
serialise and the second finds nothing left to do. Behind the locks the database itself
refuses a second paid line or a second open line per instalment (see models.BatchLine).

"Nothing is paid to a household that is not accepted": `batch_mark_paid` and the bank
return lock the households of the lines being paid (`SELECT ... FOR UPDATE`, in id order)
and re-check `status == accepted` inside the same transaction. Revoking or withdrawing a
household runs the cancel receiver inside the ledger's transaction, which locks the same
household row; the two therefore serialise and a payment can never slip past a revocation.
"""

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from subsidies.models import (
    BatchLine,
    BatchState,
    DisbursementBatch,
    Instalment,
    InstalmentItem,
    InstalmentStatus,
    LineState,
    OperatingKind,
    SubsidyEvent,
    SubsidyStandard,
)
from subsidies.money import ZERO, rate_with_cap, to_fen
from tasks.models import Household, HouseholdStatus, Programme, Town

STANDARDS_DATA = Path(settings.BASE_DIR) / "fixtures" / "subsidy_standards_2021.json"
Action = SubsidyEvent.Action

#: The operating instalment of season "Y-Y+1" falls due when that heating season opens.
SEASON_OPENS = (11, 15)

STANDARD_FIELDS = [
    "construction_amount",
    "equipment_rate",
    "equipment_cap",
    "operating_kind",
    "operating_amount",
    "operating_unit",
    "operating_unit_rate",
    "operating_units_per_season",
    "operating_cap",
    "seasons",
    "is_example",
    "notes",
]


# ---------------------------------------------------------------- standards


@dataclass
class StandardsLoadResult:
    created: list[str] = field(default_factory=list)
    unchanged: int = 0


@transaction.atomic
def standards_load(*, path: Path = STANDARDS_DATA) -> StandardsLoadResult:
    """Load the shipped (example) standards; existing versions are left as they are."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    result = StandardsLoadResult()
    programme = Programme.objects.filter(year=data["programme_year"]).first()
    if programme is None:
        return result
    effective = datetime.date.fromisoformat(data["effective_from"])
    for row in data["standards"]:
        values = {
            k: (
                Decimal(v)
                if isinstance(v, str) and k not in ("operating_kind", "operating_unit", "notes")
                else v
            )
            for k, v in row.items()
            if k != "route"
        }
        values["is_example"] = True
        _standard, created = SubsidyStandard.objects.get_or_create(
            programme=programme,
            route=row["route"],
            version=1,
            defaults={"effective_from": effective, **values},
        )
        if created:
            result.created.append(row["route"])
        else:
            result.unchanged += 1
    if result.created:
        SubsidyEvent.objects.create(
            action=Action.STANDARDS_LOADED,
            programme=programme,
            count=len(result.created),
            note=_("加载示例补贴标准"),
            details={"routes": result.created},
        )
    return result


def current_standards(programme: Programme) -> dict[str, SubsidyStandard]:
    """The latest version per route."""
    out: dict[str, SubsidyStandard] = {}
    for s in SubsidyStandard.objects.filter(programme=programme).order_by("route", "-version"):
        out.setdefault(s.route, s)
    return out


def operating_amount(standard: SubsidyStandard) -> Decimal:
    if standard.operating_kind == OperatingKind.FIXED:
        return to_fen(standard.operating_amount)
    return rate_with_cap(
        standard.operating_units_per_season, standard.operating_unit_rate, standard.operating_cap
    )


def equipment_amount(standard: SubsidyStandard, price: Decimal | None) -> Decimal:
    if not price or not standard.equipment_rate:
        return ZERO
    return rate_with_cap(price, standard.equipment_rate, standard.equipment_cap)


def season_due(season: str) -> datetime.date:
    return datetime.date(int(season[:4]), *SEASON_OPENS)


def seasons_of(programme: Programme, standard: SubsidyStandard) -> list[str]:
    first = programme.first_heating_season
    return [f"{y}-{y + 1}" for y in range(first, first + standard.seasons)]


def planned_items(
    programme: Programme, standard: SubsidyStandard, price: Decimal | None, today: datetime.date
) -> list[tuple[str, str, Decimal, datetime.date]]:
    """(item, season, amount, due date) a household of this standard is owed; zero items skipped."""
    rows = []
    construction = to_fen(standard.construction_amount)
    if construction > 0:
        rows.append((InstalmentItem.CONSTRUCTION, "", construction, today))
    equipment = equipment_amount(standard, price)
    if equipment > 0:
        rows.append((InstalmentItem.EQUIPMENT, "", equipment, today))
    operating = operating_amount(standard)
    if operating > 0:
        for season in seasons_of(programme, standard):
            rows.append((InstalmentItem.OPERATING, season, operating, season_due(season)))
    return rows


def _price(household: Household) -> Decimal | None:
    # The household's equipment is priced at its catalogue tender price (限价).
    return household.equipment.price_cap if household.equipment_id else None


def _lock_household(household: Household) -> Household:
    return (
        Household.objects.select_for_update(of=("self",))
        .select_related("equipment")
        .get(pk=household.pk)
    )


@transaction.atomic
def standard_change(
    *, standard: SubsidyStandard, by: Any, effective_from: datetime.date, **changes: Any
) -> tuple[SubsidyStandard, int]:
    """Save a new version of a standard and re-price every UNPAID instalment under it.

    Paid instalments never change. Scheduled instalments and those in a draft or approved
    batch take the new amount; the old one stays in `previous_amount` so the difference is
    visible, and an approved batch loses its approval. Instalments in an exported batch are
    with the bank already and keep their amount. Returns (new version, instalments re-priced).
    """
    unknown = set(changes) - set(STANDARD_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    latest = (
        SubsidyStandard.objects.select_for_update()
        .filter(programme=standard.programme, route=standard.route)
        .order_by("-version")
        .first()
    )
    new = SubsidyStandard(
        programme=latest.programme,
        route=latest.route,
        version=latest.version + 1,
        effective_from=effective_from,
        **{f: changes.get(f, getattr(latest, f)) for f in STANDARD_FIELDS},
    )
    new.full_clean()
    new._change_reason = "standard_change"
    new.save()

    programme = latest.programme
    today = timezone.localdate()
    # The OR across the lines relation would repeat an instalment once per line; choose the
    # ids in a subquery so each instalment is locked and re-priced exactly once.
    unpaid_ids = Instalment.objects.filter(
        household__programme=programme,
        household__route=latest.route,
        standard__route=latest.route,
    ).filter(
        Q(status=InstalmentStatus.SCHEDULED)
        | Q(
            status=InstalmentStatus.BATCHED,
            lines__state=LineState.INCLUDED,
            lines__batch__state__in=[BatchState.DRAFT, BatchState.APPROVED],
        )
    )
    candidates = (
        Instalment.objects.select_for_update(of=("self",))
        .filter(id__in=unpaid_ids.values("id"))
        .select_related("household__equipment")
        .order_by("id")
    )
    cache: dict[Any, dict] = {}
    changed: list[Instalment] = []
    difference = ZERO
    for inst in candidates:
        price = _price(inst.household)
        if price not in cache:
            cache[price] = {
                (item, season): amount
                for item, season, amount, _d in planned_items(programme, new, price, today)
            }
        amount = cache[price].get((inst.item, inst.season), ZERO)
        if amount != inst.amount:
            inst.previous_amount = inst.amount
            difference += amount - inst.amount
            inst.amount = amount
        inst.standard = new
        changed.append(inst)
    Instalment.objects.bulk_update(
        changed, ["amount", "previous_amount", "standard", "updated_at"], batch_size=2000
    )
    # Lines of draft/approved batches follow their instalment; those batches lose approval.
    repriced_ids = [i.id for i in changed if i.previous_amount is not None]
    touched = set()
    for chunk_start in range(0, len(repriced_ids), 5000):
        chunk = repriced_ids[chunk_start : chunk_start + 5000]
        lines = list(
            BatchLine.objects.select_for_update(of=("self",))
            .filter(instalment_id__in=chunk, state=LineState.INCLUDED)
            .exclude(batch__state__in=[BatchState.EXPORTED, BatchState.PAID])
            .select_related("instalment")
        )
        for line in lines:
            line.amount = line.instalment.amount
            touched.add(line.batch_id)
        BatchLine.objects.bulk_update(lines, ["amount", "updated_at"], batch_size=2000)
    for batch in DisbursementBatch.objects.select_for_update().filter(id__in=touched):
        _void_approval(batch, by, _("补贴标准调整，批次金额已变更"))
        _refresh_totals(batch)
    SubsidyEvent.objects.create(
        action=Action.STANDARD_CHANGED,
        by=by,
        programme=programme,
        count=len(repriced_ids),
        amount=difference,
        note=_("%(route)s 标准调整为第 %(v)s 版")
        % {"route": new.get_route_display(), "v": new.version},
        details={"standard": new.pk, "previous": latest.pk, "batches": sorted(touched)},
    )
    return new, len(repriced_ids)


# ---------------------------------------------------------------- schedules


@transaction.atomic
def schedule_generate(*, household: Household, by: Any = None) -> int:
    """Create the household's missing instalments (and reinstate cancelled unpaid ones).

    Idempotent: a second call creates nothing. Only for accepted households.
    """
    household = _lock_household(household)
    if household.status != HouseholdStatus.ACCEPTED:
        raise ValidationError(_("该户尚未通过验收，不能生成补贴计划。"))
    standard = current_standards(household.programme).get(household.route)
    if standard is None:
        raise ValidationError(_("尚未设定该改造方式的补贴标准。"))
    today = timezone.localdate()
    existing = {(i.item, i.season): i for i in household.instalments.select_for_update()}
    new = []
    for item, season, amount, due in planned_items(
        household.programme, standard, _price(household), today
    ):
        inst = existing.get((item, season))
        if inst is None:
            new.append(
                Instalment(
                    household=household,
                    item=item,
                    season=season,
                    amount=amount,
                    standard=standard,
                    due_date=due,
                )
            )
        elif inst.status == InstalmentStatus.CANCELLED:
            inst.status = InstalmentStatus.SCHEDULED
            inst.cancel_reason = ""
            if inst.amount != amount:
                inst.previous_amount, inst.amount = inst.amount, amount
            inst.standard = standard
            inst._change_reason = "reinstated"
            inst.save()
    if new:
        bulk_create_with_history(new, Instalment, default_user=_user_or_none(by))
    return len(new)


def _user_or_none(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


@transaction.atomic
def schedules_generate(*, programme: Programme, by: Any = None) -> int:
    """Create the instalments of every accepted household of the programme that has none.

    Bulk and idempotent: a second run creates nothing (households that already have a
    schedule are skipped, and the unique (household, item, season) constraint with
    ON CONFLICT DO NOTHING stops any overlap). Amounts still come from `planned_items`,
    i.e. from money.py: Python prices each (route, equipment) combination once into a small
    plan table, and one INSERT ... SELECT joins it to the households inside the database.
    One SubsidyEvent row records the run (simple-history does not see bulk inserts).
    """
    standards = current_standards(programme)
    today = timezone.localdate()
    accepted = Household.objects.filter(programme=programme, status=HouseholdStatus.ACCEPTED)
    combos = (
        accepted.order_by().values_list("route", "equipment_id", "equipment__price_cap").distinct()
    )
    ops = connection.ops
    plan = []
    for route, equipment_id, price in combos:
        standard = standards.get(route)
        if standard is None:
            continue
        for item, season, amount, due in planned_items(programme, standard, price, today):
            plan.append(
                (
                    route,
                    equipment_id or 0,
                    item,
                    season,
                    ops.adapt_decimalfield_value(amount, 12, 2),
                    standard.pk,
                    ops.adapt_datefield_value(due),
                )
            )
    before = Instalment.objects.filter(household__programme=programme).count()
    now = ops.adapt_datetimefield_value(timezone.now())
    table = Instalment._meta.db_table
    households = Household._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE subsidy_plan (route varchar(16), equipment_key bigint, "
            "item varchar(16), season varchar(9), amount numeric(12, 2), standard_id bigint, "
            "due_date date)"
        )
        cursor.executemany("INSERT INTO subsidy_plan VALUES (%s, %s, %s, %s, %s, %s, %s)", plan)
        # The households to schedule are chosen BEFORE the insert: an anti-join against the
        # table being filled would rescan its growing heap for every household.
        cursor.execute(
            "CREATE TEMP TABLE subsidy_households AS "
            "SELECT h.id, h.route, COALESCE(h.equipment_id, 0) AS equipment_key "
            f"FROM {households} h WHERE h.programme_id = %s AND h.status = %s "
            f"AND NOT EXISTS (SELECT 1 FROM {table} i WHERE i.household_id = h.id)",
            [programme.pk, HouseholdStatus.ACCEPTED],
        )
        cursor.execute(
            f"INSERT INTO {table} (household_id, item, season, amount, standard_id, due_date, "
            "status, cancel_reason, created_at, updated_at) "
            "SELECT h.id, p.item, p.season, p.amount, p.standard_id, p.due_date, "
            "'scheduled', '', %s, %s "
            "FROM subsidy_households h JOIN subsidy_plan p "
            "ON p.route = h.route AND p.equipment_key = h.equipment_key "
            "ORDER BY h.id, p.item, p.season "
            "ON CONFLICT DO NOTHING",
            [now, now],
        )
        cursor.execute("DROP TABLE subsidy_plan")
        cursor.execute("DROP TABLE subsidy_households")
        if connection.vendor == "postgresql":
            # Fresh statistics after a bulk load, or the next batch_prepare plans for an
            # empty table and runs a nested loop over 100,000 households (minutes, not s).
            cursor.execute(f"ANALYZE {table}")
    created = Instalment.objects.filter(household__programme=programme).count() - before
    SubsidyEvent.objects.create(
        action=Action.SCHEDULES_GENERATED,
        by=_user_or_none(by),
        programme=programme,
        count=created,
        note=_("批量生成补贴计划"),
        details={"plan_rows": len(plan)},
    )
    return created


@transaction.atomic
def instalments_cancel(*, household: Household, by: Any, reason: str) -> int:
    """Cancel every unpaid instalment of the household; paid ones stay paid.

    An instalment sitting in a batch that is not paid yet leaves it (its line is marked
    failed with the reason) and that batch loses its approval if it had one.
    """
    reason = (reason or "").strip() or _("验收撤销或退出")
    household = _lock_household(household)
    unpaid = list(household.instalments.select_for_update().unpaid().order_by("id"))
    if not unpaid:
        return 0
    lines = list(
        BatchLine.objects.select_for_update(of=("self",))
        .filter(instalment__in=unpaid, state=LineState.INCLUDED)
        .exclude(batch__state=BatchState.PAID)
        .order_by("id")
    )
    batches = set()
    for line in lines:
        line.state = LineState.FAILED
        line.failure_reason = reason[:200]
        line.save()
        batches.add(line.batch_id)
    for inst in unpaid:
        inst.status = InstalmentStatus.CANCELLED
        inst.cancel_reason = reason[:200]
        inst._change_reason = "cancelled"
        inst.save()
    for batch in DisbursementBatch.objects.select_for_update().filter(id__in=batches):
        _void_approval(batch, by, _("改造户补贴已取消"))
        _refresh_totals(batch)
    SubsidyEvent.objects.create(
        action=Action.INSTALMENTS_CANCELLED,
        by=_user_or_none(by),
        programme_id=household.programme_id,
        household=household,
        count=len(unpaid),
        amount=sum((i.amount for i in unpaid), ZERO),
        note=reason[:300],
    )
    return len(unpaid)


# ---------------------------------------------------------------- batches


def _event(batch: DisbursementBatch, action: str, by: Any, note: str = "", **kw: Any) -> None:
    SubsidyEvent.objects.create(
        action=action,
        by=_user_or_none(by),
        programme_id=batch.programme_id,
        batch=batch,
        count=kw.pop("count", batch.line_count),
        amount=kw.pop("amount", batch.total_amount),
        note=note[:300],
        details=kw,
    )


def _lock_batch(batch: DisbursementBatch | int) -> DisbursementBatch:
    pk = batch.pk if isinstance(batch, DisbursementBatch) else batch
    return DisbursementBatch.objects.select_for_update().get(pk=pk)


def _refresh_totals(batch: DisbursementBatch) -> None:
    agg = batch.lines.exclude(state=LineState.FAILED).aggregate(total=Sum("amount"), n=Count("id"))
    batch.total_amount = agg["total"] or ZERO
    batch.line_count = agg["n"]
    batch.save(update_fields=["total_amount", "line_count"])


def _void_approval(batch: DisbursementBatch, by: Any, why: str) -> None:
    """Any change to an approved batch sends it back to draft: approval must be given again."""
    if batch.state != BatchState.APPROVED:
        return
    previous = batch.approved_by_id
    batch.state = BatchState.DRAFT
    batch.approved_by = None
    batch.approved_at = None
    batch.save(update_fields=["state", "approved_by", "approved_at"])
    _event(batch, Action.APPROVAL_VOIDED, by, why, previous_approver=previous)


def _require_finance(by: Any, perm: str) -> None:
    if by is None or not by.has_perm(perm):
        raise ValidationError(_("您没有执行此操作的权限。"))


def pool(*, programme: Programme, season: str, towns: list[Town] | None = None):
    """Instalments a batch for `season` would take: due, unpaid, not in a batch, accepted.

    A season's batch takes that season's operating instalments and every due one-off item.
    """
    qs = Instalment.objects.filter(
        household__programme=programme,
        household__status=HouseholdStatus.ACCEPTED,
        status=InstalmentStatus.SCHEDULED,
        due_date__lte=timezone.localdate(),
    ).filter(Q(item=InstalmentItem.OPERATING, season=season) | ~Q(item=InstalmentItem.OPERATING))
    if towns is not None:
        qs = qs.filter(household__town__in=towns)
    return qs


@transaction.atomic
def batch_prepare(
    *, programme: Programme, season: str, towns: list[Town], by: Any
) -> DisbursementBatch:
    """Build a draft batch of every due, unpaid, unbatched instalment of accepted households."""
    _require_finance(by, "subsidies.prepare_batch")
    if season not in programme.heating_seasons():
        raise ValidationError(_("采暖季 %(s)s 不在本年度补贴期内。") % {"s": season})
    towns = list(towns)
    if not towns:
        raise ValidationError(_("请至少选择一个镇（街道）。"))
    batch = DisbursementBatch.objects.create(programme=programme, season=season, prepared_by=by)
    batch.towns.set(towns)
    # Lock the pool rows in id order; a concurrent preparer waits here and then, re-checking
    # status = scheduled under the lock, finds them gone.
    locked = (
        pool(programme=programme, season=season, towns=towns)
        .select_for_update(of=("self",))
        .order_by("id")
    )
    now = timezone.now()
    if connection.vendor == "postgresql":
        # One statement: mark the locked rows batched and insert their lines from RETURNING,
        # without 100,000 Python objects in between.
        sub_sql, sub_params = locked.values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH taken AS ("
                f" UPDATE {Instalment._meta.db_table} SET status = %s, updated_at = %s"
                f" WHERE id IN ({sub_sql}) AND status = %s RETURNING id, amount"
                "), lines AS ("
                f" INSERT INTO {BatchLine._meta.db_table}"
                " (batch_id, instalment_id, amount, state, failure_reason, updated_at)"
                " SELECT %s, id, amount, %s, '', %s FROM taken ORDER BY id RETURNING amount"
                ") SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM lines",
                [
                    InstalmentStatus.BATCHED,
                    now,
                    *sub_params,
                    InstalmentStatus.SCHEDULED,
                    batch.pk,
                    LineState.INCLUDED,
                    now,
                ],
            )
            count, total = cursor.fetchone()
    else:
        taken = list(locked.values_list("id", "amount"))
        BatchLine.objects.bulk_create(
            [BatchLine(batch=batch, instalment_id=i, amount=a) for i, a in taken],
            batch_size=10_000,
        )
        Instalment.objects.filter(lines__batch=batch, lines__state=LineState.INCLUDED).update(
            status=InstalmentStatus.BATCHED, updated_at=now
        )
        count, total = len(taken), sum((a for _i, a in taken), ZERO)
    if not count:
        raise ValidationError(_("所选镇（街道）本采暖季没有待发放的补贴。"))
    batch.total_amount = to_fen(total)
    batch.line_count = count
    batch.save(update_fields=["total_amount", "line_count"])
    _event(batch, Action.BATCH_PREPARED, by, towns=[t.code for t in towns])
    return batch


@transaction.atomic
def batch_line_add(*, batch: DisbursementBatch, instalment: Instalment, by: Any) -> BatchLine:
    """Add one instalment to a draft or approved batch (an approved one loses its approval)."""
    _require_finance(by, "subsidies.prepare_batch")
    batch = _lock_batch(batch)
    if batch.state not in (BatchState.DRAFT, BatchState.APPROVED):
        raise ValidationError(_("批次已导出，不能再加入明细。"))
    inst = Instalment.objects.select_for_update().get(pk=instalment.pk)
    household = Household.objects.select_for_update().get(pk=inst.household_id)
    if household.status != HouseholdStatus.ACCEPTED:
        raise ValidationError(_("该户未通过验收，不能发放补贴。"))
    if inst.status != InstalmentStatus.SCHEDULED:
        raise ValidationError(_("该笔补贴已在批次中或已发放、已取消。"))
    if inst.item == InstalmentItem.OPERATING and inst.season != batch.season:
        raise ValidationError(_("该笔补贴不属于本批次的采暖季。"))
    if not batch.towns.filter(pk=household.town_id).exists():
        raise ValidationError(_("该户所在镇（街道）不在本批次范围内。"))
    try:
        with transaction.atomic():
            line = BatchLine.objects.create(batch=batch, instalment=inst, amount=inst.amount)
    except IntegrityError as exc:
        raise ValidationError(_("该笔补贴已在其他批次中。")) from exc
    inst.status = InstalmentStatus.BATCHED
    inst.save(update_fields=["status", "updated_at"])
    _void_approval(batch, by, _("批次新增明细"))
    _refresh_totals(batch)
    _event(batch, Action.LINE_ADDED, by, count=1, amount=inst.amount, line=line.pk)
    return line


@transaction.atomic
def batch_approve(*, batch: DisbursementBatch, by: Any) -> DisbursementBatch:
    """A second finance user approves the batch; the preparer never can."""
    _require_finance(by, "subsidies.approve_batch")
    batch = _lock_batch(batch)
    if batch.state != BatchState.DRAFT:
        raise ValidationError(
            _("批次当前状态为“%(s)s”，不能审核。") % {"s": batch.get_state_display()}
        )
    if batch.prepared_by_id == by.pk:
        raise ValidationError(_("制单人不能审核自己编制的批次，须由另一名财政人员审核。"))
    if batch.line_count == 0:
        raise ValidationError(_("批次没有明细，不能审核。"))
    batch.state = BatchState.APPROVED
    batch.approved_by = by
    batch.approved_at = timezone.now()
    batch.save(update_fields=["state", "approved_by", "approved_at"])
    _event(batch, Action.BATCH_APPROVED, by)
    return batch


@transaction.atomic
def batch_mark_exported(*, batch: DisbursementBatch, by: Any) -> DisbursementBatch:
    """The approved batch's sheet went to the bank: it is frozen from now on."""
    _require_finance(by, "subsidies.export_batch")
    batch = _lock_batch(batch)
    if batch.state != BatchState.APPROVED:
        raise ValidationError(_("只有已审核的批次才能导出。"))
    batch.state = BatchState.EXPORTED
    batch.exported_at = timezone.now()
    batch.save(update_fields=["state", "exported_at"])
    _event(batch, Action.BATCH_EXPORTED, by)
    return batch


def _lock_households_and_check(lines_qs) -> None:
    """Lock the households of these lines (id order: no deadlocks) and re-check accepted.

    Held until commit, so a revocation or withdrawal (which locks the same row) waits for
    the payment to finish, or the payment waits for it and then sees the new status.
    """
    rows = list(
        Household.objects.select_for_update()
        .filter(id__in=lines_qs.values("instalment__household_id"))
        .order_by("id")
        .values_list("head_name", "status")
    )
    bad = [name for name, status in rows if status != HouseholdStatus.ACCEPTED]
    if bad:
        raise ValidationError(
            _("以下改造户已不是“已验收”状态，请先将其明细标记为支付失败：%(n)s")
            % {"n": "、".join(bad[:10])}
        )


@transaction.atomic
def batch_mark_paid(
    *, batch: DisbursementBatch, reference: str, date: datetime.date, by: Any
) -> DisbursementBatch:
    """The bank paid the batch: every included line and its instalment become paid."""
    _require_finance(by, "subsidies.prepare_batch")
    reference = (reference or "").strip()
    if not reference or not date:
        raise ValidationError(_("请填写支付凭证号和支付日期。"))
    batch = _lock_batch(batch)
    if batch.state != BatchState.EXPORTED:
        raise ValidationError(_("只有已导出的批次才能确认发放。"))
    included = batch.lines.filter(state=LineState.INCLUDED)
    _lock_households_and_check(included)
    now = timezone.now()
    n = Instalment.objects.filter(
        lines__batch=batch, lines__state=LineState.INCLUDED, status=InstalmentStatus.BATCHED
    ).update(status=InstalmentStatus.PAID, updated_at=now)
    lines = included.update(state=LineState.PAID, updated_at=now)
    if n != lines:
        raise ValidationError(_("批次明细与补贴计划状态不一致，已全部撤回。"))
    batch.state = BatchState.PAID
    batch.payment_reference = reference[:64]
    batch.payment_date = date
    batch.paid_by = by
    batch.save(update_fields=["state", "payment_reference", "payment_date", "paid_by"])
    _refresh_totals(batch)
    _event(batch, Action.BATCH_PAID, by, reference, lines_paid=lines)
    return batch


@transaction.atomic
def line_mark_failed(*, line: BatchLine, reason: str, by: Any) -> BatchLine:
    """A line the bank could not pay (or finance removes): it fails, the instalment returns."""
    _require_finance(by, "subsidies.prepare_batch")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写失败原因。"))
    batch = _lock_batch(line.batch_id)
    line = BatchLine.objects.select_for_update().get(pk=line.pk)
    if line.state != LineState.INCLUDED:
        raise ValidationError(_("该明细已是“%(s)s”状态。") % {"s": line.get_state_display()})
    if batch.state == BatchState.PAID:
        raise ValidationError(_("批次已确认发放，不能再修改。"))
    _fail(line, reason)
    _void_approval(batch, by, _("明细被移出批次"))
    _refresh_totals(batch)
    _event(batch, Action.LINE_FAILED, by, reason, count=1, amount=line.amount, line=line.pk)
    return line


def _fail(line: BatchLine, reason: str) -> None:
    line.state = LineState.FAILED
    line.failure_reason = reason[:200]
    line.save()
    inst = Instalment.objects.select_for_update().get(pk=line.instalment_id)
    if inst.status == InstalmentStatus.BATCHED:
        inst.status = InstalmentStatus.SCHEDULED  # back to the pool
        inst.save(update_fields=["status", "updated_at"])


# ---------------------------------------------------------------- export


@transaction.atomic
def disbursement_export(*, batch: DisbursementBatch, by: Any, out: Any) -> bool:
    """Write the batch's sheet for `by`; returns whether ID numbers were written in full.

    Only an approved (or later) batch is exported. Full ID numbers need
    `subsidies.export_full_id`, and every such export leaves a SubsidyEvent row.
    """
    from subsidies.exports import write_disbursement

    batch = DisbursementBatch.objects.select_related("programme").get(pk=batch.pk)
    if batch.state == BatchState.DRAFT:
        raise ValidationError(_("批次尚未审核，不能导出发放表。"))
    full_id = by is not None and by.has_perm("subsidies.export_full_id")
    write_disbursement(batch, out, full_id=full_id)
    if full_id:
        _event(batch, Action.FULL_ID_EXPORTED, by, _("导出含完整身份证号的发放表"))
    return full_id


# ---------------------------------------------------------------- bank return

PAID_WORDS = {"成功", "已支付", "支付成功", "paid", "success", "ok"}
FAILED_WORDS = {"失败", "支付失败", "退回", "failed", "fail"}
BANK_RETURN_HEADERS = ("明细编号", "身份证号", "结果", "失败原因")


@dataclass
class BankReturnResult:
    paid: int = 0
    failed: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.paid + self.failed


def _read_rows(file: Any) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    data = file.read() if hasattr(file, "read") else Path(file).read_bytes()
    try:
        book = CalamineWorkbook.from_filelike(__import__("io").BytesIO(data))
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for non-xlsx files
        raise ValidationError(_("无法读取文件，请上传 xlsx 格式的银行回单。")) from exc


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip()


@transaction.atomic
def bank_return_import(*, batch: DisbursementBatch, file: Any, by: Any) -> BankReturnResult:
    """Apply the bank's return (per line: paid or failed). All-or-nothing and idempotent.

    Columns: 明细编号, 身份证号 (either identifies the line; both must agree when given),
    结果 (成功 / 失败), 失败原因. A line already in the stated state is left unchanged;
    a line paid cannot become failed, nor a failed line paid.
    """
    _require_finance(by, "subsidies.prepare_batch")
    rows = _read_rows(file)
    batch = _lock_batch(batch)
    result = BankReturnResult()
    if batch.state not in (BatchState.EXPORTED, BatchState.PAID):
        raise ValidationError(_("只有已导出的批次才能导入银行回单。"))
    if not rows:
        raise ValidationError(_("文件是空的。"))
    header = [_cell(c) for c in rows[0]]
    col = {h: header.index(h) for h in BANK_RETURN_HEADERS if h in header}
    if "结果" not in col or ("明细编号" not in col and "身份证号" not in col):
        raise ValidationError(_("表头须包含“明细编号”或“身份证号”，以及“结果”。"))
    lines = {
        line.pk: line
        for line in batch.lines.select_for_update(of=("self",))
        .select_related("instalment__household")
        .order_by("id")
    }
    by_id_number: dict[str, list[BatchLine]] = defaultdict(list)
    for line in lines.values():
        by_id_number[line.instalment.household.id_number].append(line)
    wanted: dict[int, tuple[str, str]] = {}
    for n, row in enumerate(rows[1:], start=2):
        get = lambda h, row=row: _cell(row[col[h]]) if h in col and col[h] < len(row) else ""  # noqa: E731
        if not any(_cell(c) for c in row):
            continue
        line_id, idn, outcome = get("明细编号"), get("身份证号").upper(), get("结果")
        targets: list[BatchLine] = []
        if line_id:
            line = lines.get(int(line_id)) if line_id.isdigit() else None
            if line is None:
                result.errors.append(
                    (n, "明细编号", _("本批次没有编号为 %(v)s 的明细") % {"v": line_id})
                )
                continue
            if idn and line.instalment.household.id_number != idn:
                result.errors.append((n, "身份证号", _("身份证号与明细不符")))
                continue
            targets = [line]
        else:
            targets = by_id_number.get(idn, [])
            if not targets:
                result.errors.append((n, "身份证号", _("本批次没有该身份证号的明细")))
                continue
        low = outcome.lower()
        if low in PAID_WORDS:
            state = LineState.PAID
        elif low in FAILED_WORDS:
            state = LineState.FAILED
        else:
            result.errors.append((n, "结果", _("结果应为“成功”或“失败”")))
            continue
        reason = get("失败原因") or _("银行退回")
        for line in targets:
            if line.state == state:
                continue
            if line.state != LineState.INCLUDED:
                result.errors.append(
                    (
                        n,
                        "结果",
                        _("该明细已是“%(s)s”，不能改为“%(t)s”")
                        % {"s": line.get_state_display(), "t": LineState(state).label},
                    )
                )
                continue
            wanted[line.pk] = (state, reason)
    if result.errors:
        raise BankReturnError(result.errors)
    to_pay = [pk for pk, (s, _r) in wanted.items() if s == LineState.PAID]
    to_fail = [pk for pk, (s, _r) in wanted.items() if s == LineState.FAILED]
    if to_pay:
        _lock_households_and_check(BatchLine.objects.filter(pk__in=to_pay))
        now = timezone.now()
        Instalment.objects.filter(lines__pk__in=to_pay, status=InstalmentStatus.BATCHED).update(
            status=InstalmentStatus.PAID, updated_at=now
        )
        BatchLine.objects.filter(pk__in=to_pay).update(state=LineState.PAID, updated_at=now)
    for pk in to_fail:
        _fail(lines[pk], wanted[pk][1])
    result.paid, result.failed = len(to_pay), len(to_fail)
    result.unchanged = len(rows) - 1 - result.changed
    if result.changed:
        _refresh_totals(batch)
        _event(
            batch,
            Action.BANK_RETURN,
            by,
            _("银行回单：成功 %(p)s 笔，失败 %(f)s 笔") % {"p": result.paid, "f": result.failed},
            count=result.changed,
            amount=sum((lines[pk].amount for pk in wanted), ZERO),
            paid=to_pay,
            failed=to_fail,
        )
    return result


class BankReturnError(ValidationError):
    """Every bad row of a bank return: (row number, column header, message)."""

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.rows = errors
        super().__init__(
            [_("第 %(r)s 行“%(c)s”：%(m)s") % {"r": r, "c": c, "m": m} for r, c, m in errors]
        )
