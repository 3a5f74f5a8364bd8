"""Every yuan traced: for one instalment and each batch line it sat in, the chain
standard version → pricing basis → instalment → batch → approvals → bank return, each step
with who and when (from django-simple-history rows and the batch's SubsidyEvent rows).

A step is a function of a `TraceContext` returning a `TraceStep` (or None to leave it out);
`TRACE_STEPS` lists them in order. The metering package adds its reading step by inserting
a function after `standard_step` (or in place of `basis_step`), with no change here.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import pricing
from subsidies.models import (
    BatchLine,
    Instalment,
    InstalmentItem,
    OperatingKind,
    SubsidyEvent,
    SubsidyStandard,
)
from tasks.models import Household
from zichuan_heating.templatetags.money import format_amount

Action = SubsidyEvent.Action


@dataclass
class TraceStep:
    key: str
    title: Any
    summary: str
    who: Any = None
    when: Any = None
    facts: list[tuple[Any, str]] = field(default_factory=list)
    events: list[SubsidyEvent] = field(default_factory=list)
    #: Not reached yet (e.g. not batched, no bank answer): shown greyed with the summary.
    pending: bool = False


@dataclass
class TraceContext:
    household: Household
    instalment: Instalment
    line: BatchLine | None
    #: SubsidyEvent rows of the line's batch, oldest first (loaded once per batch).
    events: list[SubsidyEvent]
    #: First history row (who created it) of each standard and instalment, by (model, id).
    created: dict[tuple[str, int], Any]
    #: One dict shared by every context of a `chains` call, for steps that load once.
    shared: dict[str, Any] = field(default_factory=dict)


def _first(ctx: TraceContext, model: str, pk: int) -> tuple[Any, Any]:
    row = ctx.created.get((model, pk))
    return (row.history_user, row.history_date) if row is not None else (None, None)


def standard_step(ctx: TraceContext) -> TraceStep:
    s = ctx.instalment.standard
    who, when = _first(ctx, "standard", s.pk)
    facts = [(gettext_lazy("生效日期"), f"{s.effective_from:%Y-%m-%d}")]
    if s.is_example:
        facts.append((gettext_lazy("说明"), _("示例数据，须由财政局核定")))
    return TraceStep(
        "standard",
        gettext_lazy("补贴标准"),
        _("%(route)s 第 %(v)s 版") % {"route": s.get_route_display(), "v": s.version},
        who,
        when or s.created_at,
        facts,
    )


def basis_step(ctx: TraceContext) -> TraceStep:
    """How the amount was priced (the place a meter reading takes when metering is present)."""
    inst, s = ctx.instalment, ctx.instalment.standard
    if inst.item != InstalmentItem.OPERATING:
        summary = _("一次性补贴：%(item)s") % {"item": inst.get_item_display()}
    elif s.operating_kind == OperatingKind.PER_UNIT:
        summary = _("按用量：%(rate)s 元/%(unit)s × 核定用量 %(units)s%(cap)s") % {
            "rate": s.operating_unit_rate.normalize(),
            "unit": s.operating_unit or _("单位"),
            "units": s.operating_units_per_season,
            "cap": _("，上限 %(c)s 元") % {"c": format_amount(s.operating_cap)}
            if s.operating_cap is not None
            else "",
        }
    else:
        summary = _("定额：%(a)s 元/采暖季") % {"a": format_amount(s.operating_amount)}
    facts = [(gettext_lazy("按标准计得"), format_amount(pricing.operating_amount(s)))]
    return TraceStep("basis", gettext_lazy("计价依据"), summary, facts=facts)


def instalment_step(ctx: TraceContext) -> TraceStep:
    inst = ctx.instalment
    who, when = _first(ctx, "instalment", inst.pk)
    facts = [
        (gettext_lazy("金额（元）"), format_amount(inst.amount)),
        (gettext_lazy("应发日期"), f"{inst.due_date:%Y-%m-%d}"),
        (gettext_lazy("状态"), str(inst.get_status_display())),
    ]
    if inst.previous_amount is not None:
        facts.append((gettext_lazy("调整前金额（元）"), format_amount(inst.previous_amount)))
    title = f"{inst.get_item_display()} {inst.season}".strip()
    return TraceStep(
        "instalment", gettext_lazy("补贴发放计划"), title, who, when or inst.created_at, facts
    )


def batch_step(ctx: TraceContext) -> TraceStep:
    line = ctx.line
    if line is None:
        return TraceStep("batch", gettext_lazy("发放批次"), _("尚未编入批次"), pending=True)
    batch = line.batch
    added = [e for e in ctx.events if e.action == Action.LINE_ADDED and _names(e, line.pk)]
    facts = [
        (gettext_lazy("采暖季"), batch.season),
        (gettext_lazy("金额（元）"), format_amount(line.amount)),
    ]
    return TraceStep(
        "batch",
        gettext_lazy("发放批次"),
        batch.number,
        batch.prepared_by,
        batch.prepared_at,
        facts,
        [e for e in ctx.events if e.action == Action.BATCH_PREPARED] + added,
    )


def approvals_step(ctx: TraceContext) -> TraceStep | None:
    if ctx.line is None:
        return None
    batch = ctx.line.batch
    kinds = {Action.BATCH_APPROVED, Action.APPROVAL_VOIDED, Action.BATCH_EXPORTED}
    events = [e for e in ctx.events if e.action in kinds]
    if batch.approved_by_id is None:
        return TraceStep(
            "approvals", gettext_lazy("审核"), _("待审核"), events=events, pending=True
        )
    return TraceStep(
        "approvals",
        gettext_lazy("审核"),
        str(batch.get_state_display()),
        batch.approved_by,
        batch.approved_at,
        events=events,
    )


def bank_step(ctx: TraceContext) -> TraceStep | None:
    line = ctx.line
    if line is None:
        return None
    events = [
        e
        for e in ctx.events
        if (e.action == Action.BANK_RETURN and _names(e, line.pk, ("paid", "failed")))
        or (e.action == Action.LINE_FAILED and _names(e, line.pk))
        or e.action == Action.BATCH_PAID
    ]
    batch = line.batch
    facts = []
    if batch.payment_reference:
        facts.append((gettext_lazy("支付凭证号"), batch.payment_reference))
    if line.failure_reason:
        facts.append((gettext_lazy("失败原因"), line.failure_reason))
    last = events[-1] if events else None
    return TraceStep(
        "bank",
        gettext_lazy("银行回单"),
        str(line.get_state_display()),
        last.by if last else None,
        last.at if last else None,
        facts,
        events,
        pending=line.state == "included",
    )


def _names(e: SubsidyEvent, line_id: int, keys: tuple[str, ...] = ("line",)) -> bool:
    details = e.details or {}
    for key in keys:
        value = details.get(key)
        if value == line_id or (isinstance(value, list) and line_id in value):
            return True
    return False


TRACE_STEPS: list[Callable[[TraceContext], TraceStep | None]] = [
    standard_step,
    basis_step,
    instalment_step,
    batch_step,
    approvals_step,
    bank_step,
]


def _created(instalments: list[Instalment]) -> dict[tuple[str, int], Any]:
    """The first history row of each instalment and standard (who created it, when)."""
    out: dict[tuple[str, int], Any] = {}
    for model, ids, key in (
        (Instalment, {i.pk for i in instalments}, "instalment"),
        (SubsidyStandard, {i.standard_id for i in instalments}, "standard"),
    ):
        for row in (
            model.history.filter(id__in=ids)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        ):
            out.setdefault((key, row.id), row)
    return out


def chains(household: Household, *, line: BatchLine | None = None) -> list[dict[str, Any]]:
    """[{instalment, line, steps}] for the household (or only for `line`), oldest first."""
    instalments = list(
        Instalment.objects.filter(household=household)
        .select_related("standard")
        .order_by("due_date", "item", "season")
    )
    if line is not None:
        instalments = [i for i in instalments if i.pk == line.instalment_id]
    lines = defaultdict(list)
    qs = BatchLine.objects.filter(instalment__in=instalments).select_related(
        "batch__prepared_by", "batch__approved_by", "batch__paid_by"
    )
    for ln in qs.order_by("id"):
        if line is None or ln.pk == line.pk:
            lines[ln.instalment_id].append(ln)
    events: dict[int, list[SubsidyEvent]] = defaultdict(list)
    batch_ids = {ln.batch_id for group in lines.values() for ln in group}
    for e in SubsidyEvent.objects.filter(batch_id__in=batch_ids).select_related("by"):
        events[e.batch_id].append(e)
    created = _created(instalments)
    shared: dict[str, Any] = {}
    out = []
    for inst in instalments:
        for ln in lines.get(inst.pk) or [None]:
            ctx = TraceContext(
                household, inst, ln, events.get(ln.batch_id, []) if ln else [], created, shared
            )
            steps = [s for s in (step(ctx) for step in TRACE_STEPS) if s is not None]
            out.append({"instalment": inst, "line": ln, "steps": steps})
    return out
