"""Disbursement batches: prepare (finance), approve (a second finance user), export to the
bank, mark paid, fail a line, and write the sheet.

Where money moves, the rows are locked first (`select_for_update`) and the state re-checked
under the lock, so two concurrent clicks serialise and the second finds nothing left to do.
Behind the locks the database itself refuses a second paid line or a second open line per
instalment (see models.BatchLine). Nothing is paid to a household that is not accepted:
paying locks the households of the lines (`Household.objects....locked()`) and re-checks them
inside the same transaction (common.lock_households_and_check).

Locks follow the one order of `zichuan_heating.locks` (households, instalments, lines, then
the batch), and each action is retried after a lost race (`retry_on_conflict`).
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from acceptance.queries import accepted_households
from subsidies.metering.queries import awaiting_reading, held_households
from subsidies.models import (
    BATCH_FLOW,
    INSTALMENT_FLOW,
    LINE_FLOW,
    BatchLine,
    DisbursementBatch,
    Instalment,
    InstalmentItem,
    LineState,
)
from subsidies.money import ZERO, to_fen
from subsidies.queries import pool
from subsidies.services.common import (
    Action,
    event,
    fail_line,
    lock_batch,
    lock_lines,
    pay_lines,
    refresh_totals,
    require_perm,
    void_approval,
)
from tasks.models import Household, Programme, Town
from zichuan_heating.feedback import required_text
from zichuan_heating.locks import retry_on_conflict

#: Stored on the lines of a withdrawn batch as the Chinese msgid, translated when shown.
WITHDRAWN_LINE_REASON = gettext_noop("批次已撤销")


@retry_on_conflict
@transaction.atomic
def batch_prepare(
    *,
    programme: Programme,
    season: str,
    towns: list[Town],
    by: Any,
    expect: tuple[int, Decimal] | None = None,
) -> DisbursementBatch:
    """Build a draft batch of every due, unpaid, unbatched instalment of accepted households.

    `expect` is (lines, total) as the preparer saw them in the preview: if the pool moved
    since (another batch took lines, a standard changed), nothing is written and the
    preparer is asked to look again.
    """
    require_perm(by, "subsidies.prepare_batch")
    if season not in programme.heating_seasons():
        raise ValidationError(_("采暖季 %(s)s 不在本年度补贴期内。") % {"s": season})
    towns = list(towns)
    if not towns:
        raise ValidationError(_("请至少选择一个镇（街道）。"))
    batch = DisbursementBatch.objects.create(programme=programme, season=season, prepared_by=by)
    batch.towns.set(towns)
    # Lock the pool rows in id order; a concurrent preparer waits here and then, re-checking
    # status = scheduled under the lock, finds them gone. Households are not locked (the
    # order allows skipping a level): a batch pays nothing, paying re-checks acceptance.
    locked = (
        pool(programme=programme, season=season, towns=towns)
        .select_for_update(of=("self",))
        .order_by("id")
    )
    if connection.vendor == "postgresql":
        count, total = _take_in_one_statement(batch, locked)
    else:
        count, total = _take(batch, locked)
    if not count:
        raise ValidationError(_("所选镇（街道）本采暖季没有待发放的补贴。"))
    if expect is not None and (count, to_fen(total)) != (expect[0], to_fen(expect[1])):
        raise ValidationError(
            _("待发放金额在您核对后发生了变化（现为 %(n)s 笔），请重新核对后再确认。")
            % {"n": count}
        )
    batch.total_amount = to_fen(total)
    batch.line_count = count
    batch.save(update_fields=["total_amount", "line_count"])
    event(batch, Action.BATCH_PREPARED, by, towns=[t.code for t in towns])
    return batch


def _take_in_one_statement(batch: DisbursementBatch, locked: Any) -> tuple[int, Any]:
    """Mark the locked rows batched and insert their lines from RETURNING, in one statement,
    without 100,000 Python objects in between; (lines, total)."""
    take = INSTALMENT_FLOW["batch"]
    (source,) = take.sources
    now = timezone.now()
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
            [take.target, now, *sub_params, source, batch.pk, LineState.INCLUDED, now],
        )
        return cursor.fetchone()


def _take(batch: DisbursementBatch, locked: Any) -> tuple[int, Any]:
    """The same as `_take_in_one_statement`, for databases without UPDATE ... RETURNING."""
    take = INSTALMENT_FLOW["batch"]
    taken = list(locked.values_list("id", "amount"))
    BatchLine.objects.bulk_create(
        [BatchLine(batch=batch, instalment_id=i, amount=a) for i, a in taken],
        batch_size=10_000,
    )
    Instalment.objects.filter(
        lines__batch=batch, lines__state=LineState.INCLUDED, status__in=take.sources
    ).update(status=take.target, updated_at=timezone.now())
    return len(taken), sum((a for _i, a in taken), ZERO)


def _check_line_fits(batch: DisbursementBatch, inst: Instalment, household: Household) -> None:
    if not accepted_households(batch.programme).filter(pk=household.pk).exists():
        raise ValidationError(_("该户未通过验收，不能发放补贴。"))
    if not INSTALMENT_FLOW.can(inst, "batch"):
        raise ValidationError(_("该笔补贴已在批次中或已发放、已取消。"))
    if inst.item == InstalmentItem.OPERATING and inst.season != batch.season:
        raise ValidationError(_("该笔补贴不属于本批次的采暖季。"))
    if not batch.towns.filter(pk=household.town_id).exists():
        raise ValidationError(_("该户所在镇（街道）不在本批次范围内。"))
    if held_households(batch.season).filter(pk=household.pk).exists():
        raise ValidationError(_("该户本采暖季用量异常，处理前暂不发放。"))
    if Instalment.objects.filter(pk=inst.pk).filter(awaiting_reading()).exists():
        raise ValidationError(
            _(
                "该户本采暖季尚未抄表（待抄表），运行费用补贴仅按标准用量估算，"
                "抄表数据到达后再发放；如需按估算发放，须由财政局决定并填写理由。"
            )
        )


@retry_on_conflict
@transaction.atomic
def batch_line_add(*, batch: DisbursementBatch, instalment: Instalment, by: Any) -> BatchLine:
    """Add one instalment to a draft or approved batch (an approved one loses its approval)."""
    require_perm(by, "subsidies.prepare_batch")
    household = Household.objects.filter(pk=instalment.household_id).locked().get()
    inst = Instalment.objects.select_for_update().get(pk=instalment.pk)
    batch = lock_batch(batch)
    BATCH_FLOW.check(batch, "add_line")
    _check_line_fits(batch, inst, household)
    try:
        with transaction.atomic():
            line = BatchLine.objects.create(batch=batch, instalment=inst, amount=inst.amount)
    except IntegrityError as exc:
        raise ValidationError(_("该笔补贴已在其他批次中。")) from exc
    INSTALMENT_FLOW.apply(inst, "batch")
    inst.save(update_fields=["status", "updated_at"])
    void_approval(batch, by, _("批次新增明细"))
    refresh_totals(batch)
    event(batch, Action.LINE_ADDED, by, count=1, amount=inst.amount, line=line.pk)
    return line


def _check_approver(batch: DisbursementBatch, by: Any) -> None:
    if batch.prepared_by_id == by.pk:
        raise ValidationError(_("制单人不能审核自己编制的批次，须由另一名财政人员审核。"))
    if batch.line_count == 0:
        raise ValidationError(_("批次没有明细，不能审核。"))


def _check_returner(batch: DisbursementBatch, by: Any) -> None:
    if batch.prepared_by_id == by.pk:
        raise ValidationError(
            _("制单人不能退回自己编制的批次；如需修改，可直接调整明细或撤销批次。")
        )


def _check_resubmit(batch: DisbursementBatch, by: Any) -> None:
    if batch.line_count == 0:
        raise ValidationError(_("批次没有明细，不能重新提交；如不再需要，请撤销批次。"))


#: transition: (permission it needs, event it records, check before it is taken)
_MOVES: dict[str, tuple[str, str, Callable[[DisbursementBatch, Any], None] | None]] = {
    "approve": ("subsidies.approve_batch", Action.BATCH_APPROVED, _check_approver),
    "export": ("subsidies.export_batch", Action.BATCH_EXPORTED, None),
    "return": ("subsidies.approve_batch", Action.BATCH_RETURNED, _check_returner),
    "resubmit": ("subsidies.prepare_batch", Action.BATCH_RESUBMITTED, _check_resubmit),
}


def _move(
    batch: DisbursementBatch, by: Any, name: str, note: str = "", **fields: Any
) -> DisbursementBatch:
    """Lock the batch, take transition `name` (after its check), set `fields`, save, record."""
    perm, action, check = _MOVES[name]
    require_perm(by, perm)
    batch = lock_batch(batch)
    BATCH_FLOW.check(batch, name)
    if check is not None:
        check(batch, by)
    BATCH_FLOW.apply(batch, name)
    for attr, value in fields.items():
        setattr(batch, attr, value)
    batch.save(update_fields=["state", *fields])
    event(batch, action, by, note)
    return batch


@retry_on_conflict
@transaction.atomic
def batch_approve(*, batch: DisbursementBatch, by: Any) -> DisbursementBatch:
    """A second finance user approves the batch; the preparer never can."""
    return _move(batch, by, "approve", approved_by=by, approved_at=timezone.now())


def _tell(users: list[Any], batch: DisbursementBatch, title: str, body: str = "") -> None:
    from zichuan_heating.services import notification_send

    notification_send(
        recipients=[u for u in users if u is not None],
        title=title,
        body=body,
        url=batch.get_absolute_url(),
    )


@retry_on_conflict
@transaction.atomic
def batch_return(*, batch: DisbursementBatch, reason: str, by: Any) -> DisbursementBatch:
    """The approver sends a draft back to its preparer with a reason; its lines stay in it
    (still reserved, nothing paid, nothing released) until the preparer revises and
    resubmits it or withdraws it."""
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise ValidationError(_("请填写退回原因。"))
    batch = _move(
        batch,
        by,
        "return",
        reason,
        returned_by=by,
        returned_at=timezone.now(),
        return_reason=reason,
    )
    title = _("发放批次 %(b)s 被退回：%(r)s") % {"b": batch.number, "r": reason}
    _tell([batch.prepared_by], batch, title, reason)
    return batch


@retry_on_conflict
@transaction.atomic
def batch_resubmit(*, batch: DisbursementBatch, by: Any) -> DisbursementBatch:
    """The preparer has revised a returned batch and submits it for approval again."""
    batch = _move(batch, by, "resubmit")
    title = _("发放批次 %(b)s 已修改并重新提交审核") % {"b": batch.number}
    _tell([batch.returned_by], batch, title)
    return batch


@retry_on_conflict
@transaction.atomic
def batch_withdraw(*, batch: DisbursementBatch, reason: str, by: Any) -> DisbursementBatch:
    """The preparer withdraws an unapproved batch: every included line leaves it (kept as a
    record with the reason) and its instalment returns to the pool for a later batch."""
    require_perm(by, "subsidies.prepare_batch")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("请填写撤销原因。"))
    included = batch.lines.filter(state=LineState.INCLUDED)
    lock_lines(included)
    batch = lock_batch(batch)
    BATCH_FLOW.check(batch, "withdraw")
    count, amount = batch.line_count, batch.total_amount
    release = INSTALMENT_FLOW["release"]
    now = timezone.now()
    n = Instalment.objects.filter(
        id__in=included.values("instalment_id"), status__in=release.sources
    ).update(status=release.target, updated_at=now)
    released = included.update(
        state=LINE_FLOW["fail"].target, failure_reason=WITHDRAWN_LINE_REASON, updated_at=now
    )
    if n != released:
        raise ValidationError(_("批次明细与补贴计划状态不一致，已全部撤回。"))
    BATCH_FLOW.apply(batch, "withdraw")
    batch.save(update_fields=["state"])
    refresh_totals(batch)
    event(batch, Action.BATCH_WITHDRAWN, by, reason, count=count, amount=amount)
    return batch


@retry_on_conflict
@transaction.atomic
def batch_mark_exported(*, batch: DisbursementBatch, by: Any) -> DisbursementBatch:
    """The approved batch's sheet went to the bank: it is frozen from now on."""
    return _move(batch, by, "export", exported_at=timezone.now())


@retry_on_conflict
@transaction.atomic
def batch_mark_paid(
    *, batch: DisbursementBatch, reference: str, date: datetime.date, by: Any
) -> DisbursementBatch:
    """The bank paid the batch: every included line and its instalment become paid."""
    require_perm(by, "subsidies.prepare_batch")
    reference = (reference or "").strip()
    if not reference or not date:
        raise ValidationError(_("请填写支付凭证号和支付日期。"))
    lock_lines(batch.lines.all())
    batch = lock_batch(batch)
    BATCH_FLOW.apply(batch, "pay")
    lines = pay_lines(batch.lines.all())
    batch.payment_reference = reference[:64]
    batch.payment_date = date
    batch.paid_by = by
    batch.save(update_fields=["state", "payment_reference", "payment_date", "paid_by"])
    refresh_totals(batch)
    event(batch, Action.BATCH_PAID, by, reference, lines_paid=lines)
    return batch


@retry_on_conflict
@transaction.atomic
def line_mark_failed(*, line: BatchLine, reason: str, by: Any) -> BatchLine:
    """A line the bank could not pay (or finance removes): it fails, the instalment returns."""
    require_perm(by, "subsidies.prepare_batch")
    reason = required_text(reason, _("请填写失败原因。"))
    lock_lines(BatchLine.objects.filter(pk=line.pk))
    line = BatchLine.objects.get(pk=line.pk)
    batch = lock_batch(line.batch_id)
    BATCH_FLOW.check(batch, "fail_line")
    fail_line(line, reason)
    void_approval(batch, by, _("明细被移出批次"))
    refresh_totals(batch)
    event(batch, Action.LINE_FAILED, by, reason, count=1, amount=line.amount, line=line.pk)
    return line


@transaction.atomic
def disbursement_export(
    *,
    batch: DisbursementBatch,
    by: Any,
    out: Any,
    password: str | None = None,
    context: str | None = None,
    filters: dict | None = None,
) -> bool:
    """Write the batch's sheet for `by`; returns whether ID numbers were written in full.

    Only an approved (or later) batch is exported. Full ID numbers need
    `subsidies.export_full_id`, and every such export leaves a SubsidyEvent row and an entry in
    the ID-number audit (`context`, default a page export; `filters` added to its record). With a
    `password` the file is encrypted with it (for the bank); the password is not kept.
    """
    from subsidies.exports import write_disbursement
    from subsidies.payments.encryption import write_encrypted

    batch = DisbursementBatch.objects.select_related("programme").get(pk=batch.pk)
    BATCH_FLOW.check(batch, "download")
    full_id = by is not None and by.has_perm("subsidies.export_full_id")
    if password is None:
        write_disbursement(batch, out, full_id=full_id)
    else:
        write_encrypted(lambda f: write_disbursement(batch, f, full_id=full_id), password, out)
    if full_id:
        from tasks.ledger.services import id_number_export_record
        from tasks.models import IdNumberView

        event(batch, Action.FULL_ID_EXPORTED, by, _("导出含完整身份证号的发放表"))
        id_number_export_record(
            by=by,
            context=context or IdNumberView.Context.BATCH_EXPORT,
            town=None,
            count=batch.line_count,
            filters={"batch": batch.number, **(filters or {})},
        )
    return full_id
