"""Operating instalments priced on the estimate (估算) and waiting for their reading (待抄表).

A per-unit standard prices a season at min(rate × usage, cap); before the season's reading
arrives the usage is the standard's assumed units per season, so the amount is an estimate.
Such an instalment is held out of the batches (`queries.awaiting_reading`, read by
`subsidies.queries.pool` and by adding a line) until its reading arrives (which re-prices it:
`repricing.reprice_season`) or until the finance bureau decides, with a reason, to pay it on
the estimate (`estimates_pay`, below). Fixed-amount standards (central heating) never wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from subsidies.metering.models import EstimateDecision, MeteringReason
from subsidies.metering.queries import awaiting_reading
from subsidies.models import Instalment, InstalmentStatus
from subsidies.services.common import require_perm
from tasks.models import Programme
from zichuan_heating.feedback import required_text
from zichuan_heating.locks import retry_on_conflict


def awaiting_for_user(
    user: Any, *, programme: Programme, season: str = "", town_id: int | None = None
) -> QuerySet:
    """The unpaid operating instalments waiting for their reading, within the user's towns."""
    qs = (
        Instalment.objects.for_user(user)
        .filter(household__programme=programme, status=InstalmentStatus.SCHEDULED)
        .filter(awaiting_reading())
        .select_related("household__town", "household__village")
    )
    if season:
        qs = qs.filter(season=season)
    if town_id:
        qs = qs.filter(household__town_id=town_id)
    return qs.order_by("season", "household__town__order", "household__head_name", "id")


def awaiting_totals(qs: QuerySet) -> dict[str, Any]:
    return qs.order_by().aggregate(
        households=Count("household", distinct=True), count=Count("id"), total=Sum("amount")
    )


@retry_on_conflict
@transaction.atomic
def estimates_pay(*, instalment_ids: Iterable[int], reason: str, by: Any) -> int:
    """Decide to pay these operating instalments on the estimate before their readings
    arrive; returns how many. All or nothing: every one must still be waiting for its
    reading (scheduled, per-unit, no reading, not already decided). The finance bureau
    decides (the preparer's permission); history records who, when and why."""
    require_perm(by, "subsidies.prepare_batch")
    reason = required_text(reason, _("请填写按估算发放的理由。"), field="reason")
    ids = sorted({int(i) for i in instalment_ids})
    if not ids:
        raise ValidationError(_("请选择待抄表的运行费用补贴。"))
    # The instalments in id order (the one lock order; nothing here pays, households skipped).
    locked = list(
        Instalment.objects.for_user(by)
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("id")
        .values_list("id", flat=True)
    )
    waiting = set(
        Instalment.objects.filter(pk__in=locked, status=InstalmentStatus.SCHEDULED)
        .filter(awaiting_reading())
        .values_list("id", flat=True)
    )
    if len(waiting) != len(ids):
        raise ValidationError(
            _(
                "所选的 %(n)s 笔中有 %(m)s 笔已不在待抄表状态（已抄表、已决定按估算发放、"
                "已入批次或不存在），未作任何决定，请刷新后重新选择。"
            )
            % {"n": len(ids), "m": len(ids) - len(waiting)}
        )
    decisions = [EstimateDecision(instalment_id=i, reason=reason[:300], decided_by=by) for i in ids]
    bulk_create_with_history(
        decisions,
        EstimateDecision,
        batch_size=5000,
        default_user=by,
        default_change_reason=MeteringReason.ESTIMATE_PAID,
    )
    return len(decisions)
