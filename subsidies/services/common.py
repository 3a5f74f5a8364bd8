"""What the subsidy services share: who may act, the locks, the audit event, batch totals,
voiding an approval, and paying or failing lines (the one way each is done).

The locks follow the one order of `zichuan_heating.locks`: households, instalments, batch
lines, batches; `lock_lines` takes the first three for a set of lines, `lock_batch` the last.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from subsidies.models import (
    BATCH_FLOW,
    INSTALMENT_FLOW,
    LINE_FLOW,
    BatchLine,
    DisbursementBatch,
    Instalment,
    LineState,
    SubsidyEvent,
    SubsidyReason,
)
from subsidies.money import ZERO
from tasks.models import Household, HouseholdStatus
from zichuan_heating.roles import role_grants

Action = SubsidyEvent.Action


def require_perm(by: Any, perm: str) -> None:
    """Who may act: the role must grant the permission (PermissionDenied otherwise).

    Money follows the role alone: a superuser or an administrator without the finance role
    may not prepare, approve or pay a batch, so two-person approval cannot be bypassed.
    """
    if not role_grants(by, perm):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def user_or_none(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def lock_household(household: Household) -> Household:
    return Household.objects.filter(pk=household.pk).locked().select_related("equipment").get()


def lock_batch(batch: DisbursementBatch | int) -> DisbursementBatch:
    """The batch's row, locked: the last lock of the order, after its lines' rows."""
    pk = batch.pk if isinstance(batch, DisbursementBatch) else batch
    return DisbursementBatch.objects.select_for_update().get(pk=pk)


def lock_lines(lines: QuerySet) -> None:
    """Lock, in the one order, these lines' households, then their instalments, then them.

    The caller locks the batch after this (`lock_batch`) and re-checks every state under
    the locks: the lines were chosen before any lock was held.
    """
    lines = BatchLine.objects.filter(id__in=lines.order_by().values("id"))
    households = Household.objects.filter(id__in=lines.values("instalment__household_id"))
    list(households.locked().values_list("id", flat=True))
    instalments = Instalment.objects.filter(id__in=lines.values("instalment_id"))
    list(instalments.select_for_update().order_by("id").values_list("id", flat=True))
    list(lines.select_for_update().order_by("id").values_list("id", flat=True))


def event(batch: DisbursementBatch, action: str, by: Any, note: str = "", **kw: Any) -> None:
    SubsidyEvent.objects.create(
        action=action,
        by=user_or_none(by),
        programme_id=batch.programme_id,
        batch=batch,
        count=kw.pop("count", batch.line_count),
        amount=kw.pop("amount", batch.total_amount),
        note=note[:300],
        details=kw,
    )


def refresh_totals(batch: DisbursementBatch) -> None:
    agg = batch.lines.exclude(state=LineState.FAILED).aggregate(total=Sum("amount"), n=Count("id"))
    batch.total_amount = agg["total"] or ZERO
    batch.line_count = agg["n"]
    batch.save(update_fields=["total_amount", "line_count"])


def void_approval(batch: DisbursementBatch, by: Any, why: str) -> None:
    """Any change to an approved batch sends it back to draft: approval must be given again."""
    if not BATCH_FLOW.can(batch, "void_approval"):
        return
    previous = batch.approved_by_id
    BATCH_FLOW.apply(batch, "void_approval")
    batch.approved_by = None
    batch.approved_at = None
    batch.save(update_fields=["state", "approved_by", "approved_at"])
    event(batch, Action.APPROVAL_VOIDED, by, why, previous_approver=previous)


def batches_changed(batch_ids: set[int], by: Any, why: str) -> None:
    """Batches whose lines changed: approval voided, totals recomputed (locked, id order)."""
    for batch in (
        DisbursementBatch.objects.select_for_update().filter(id__in=batch_ids).order_by("id")
    ):
        void_approval(batch, by, why)
        refresh_totals(batch)


def open_lines(*, unless_batch: list[str], **instalments: Any) -> QuerySet:
    """Included lines of these instalments, locked, outside batches in `unless_batch`."""
    return (
        BatchLine.objects.select_for_update(of=("self",))
        .filter(state=LineState.INCLUDED, **instalments)
        .exclude(batch__state__in=unless_batch)
    )


def still_accepted(status: str) -> bool:
    """Re-check of a household row already locked for the payment.

    Which households are accepted is `acceptance.queries.accepted_households`; under the lock
    only the status field can have moved (a revocation or withdrawal sets it, in the same
    row's lock), so this is all a payment has to re-read.
    """
    return status == HouseholdStatus.ACCEPTED


def lock_households_and_check(lines: QuerySet) -> None:
    """Re-check under the household locks that these lines' households are still accepted.

    The caller has locked them already (`lock_lines`, first); taking them again here costs
    nothing and keeps the check honest. Held until commit, so a revocation or withdrawal
    (which locks the same row) waits for the payment to finish, or the payment waits for it
    and then sees the new status.
    """
    rows = list(
        Household.objects.filter(id__in=lines.values("instalment__household_id"))
        .locked()
        .values_list("head_name", "status")
    )
    bad = [name for name, status in rows if not still_accepted(status)]
    if bad:
        raise ValidationError(
            _("以下改造户已不是“已验收”状态，请先将其明细标记为支付失败：%(n)s")
            % {"n": "、".join(bad[:10])}
        )


def pay_lines(lines: QuerySet) -> int:
    """The bank paid these included lines: they and their instalments become paid (bulk)."""
    lines = lines.filter(state__in=LINE_FLOW["pay"].sources)
    lock_households_and_check(lines)
    now = timezone.now()
    pay = INSTALMENT_FLOW["pay"]
    n = Instalment.objects.filter(
        id__in=lines.values("instalment_id"), status__in=pay.sources
    ).update(status=pay.target, updated_at=now)
    paid = lines.update(state=LINE_FLOW["pay"].target, updated_at=now)
    if n != paid:
        raise ValidationError(_("批次明细与补贴计划状态不一致，已全部撤回。"))
    return paid


def fail_line(line: BatchLine, reason: str) -> None:
    """The line fails (it stays as a record); its instalment returns to the pool."""
    LINE_FLOW.apply(line, "fail")
    line.failure_reason = reason[:200]
    line._change_reason = SubsidyReason.LINE_FAILED
    line.save()
    inst = Instalment.objects.select_for_update().get(pk=line.instalment_id)
    if INSTALMENT_FLOW.can(inst, "release"):
        INSTALMENT_FLOW.apply(inst, "release")
        inst.save(update_fields=["status", "updated_at"])
