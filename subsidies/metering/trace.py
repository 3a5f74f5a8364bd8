"""The trace's reading step: an operating instalment priced per unit on the season's meter
readings shows those readings (meter, start, end, usage, read on), who brought them in and
when (the file or API submission), and min(rate × usage, cap) with the floor. It takes the
place of `payments.trace.basis_step`, which still answers for everything not metered
(one-off items, fixed standards); a per-unit season without readings yet shows the basis as
an estimate (估算), waiting for its reading or with finance's decision to pay it."""

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies import pricing
from subsidies.metering.models import KIND_BY_ROUTE, EstimateDecision, MeterReading, UsageFlag
from subsidies.models import InstalmentItem, OperatingKind
from subsidies.money import ZERO
from subsidies.payments import trace
from zichuan_heating.templatetags.money import format_amount


def _readings(ctx: trace.TraceContext) -> dict[str, list[MeterReading]]:
    """The household's readings of its route's meter kind by season, loaded once a call."""
    if "readings" not in ctx.shared:
        by_season: dict[str, list[MeterReading]] = defaultdict(list)
        kind = KIND_BY_ROUTE.get(ctx.household.route)
        qs = (
            MeterReading.objects.filter(meter__household=ctx.household, meter__kind=kind)
            .select_related("meter", "source_import__by", "source_import__utility")
            .order_by("season", "meter__number")
        )
        for r in qs if kind else []:
            by_season[r.season].append(r)
        ctx.shared["readings"] = dict(by_season)
    return ctx.shared["readings"]


def _flags(ctx: trace.TraceContext) -> dict[str, list[UsageFlag]]:
    """The household's usage flags by season (oldest first), loaded once a call."""
    if "flags" not in ctx.shared:
        by_season: dict[str, list[UsageFlag]] = defaultdict(list)
        qs = UsageFlag.objects.filter(household=ctx.household).select_related("decided_by")
        for f in qs.order_by("raised_at", "id"):
            by_season[f.season].append(f)
        ctx.shared["flags"] = dict(by_season)
    return ctx.shared["flags"]


def _flag_fact(flag: UsageFlag) -> tuple:
    text = f"{flag.get_kind_display()} · {flag.get_status_display()}"
    if flag.decided_at:
        at = timezone.localtime(flag.decided_at)
        text += f" · {flag.decided_by or _('系统')} · {at:%Y-%m-%d %H:%M}"
        text += f" · {flag.decision_reason}"
    return (gettext_lazy("用量异常"), text)


def _summary(standard, usage: Decimal) -> str:
    text = _("按抄表用量：%(rate)s 元/%(unit)s × 用量 %(usage)s") % {
        "rate": standard.operating_unit_rate.normalize(),
        "unit": standard.operating_unit or _("单位"),
        "usage": usage,
    }
    if standard.operating_cap is not None:
        text += _("，上限 %(c)s 元") % {"c": format_amount(standard.operating_cap)}
    if standard.operating_floor is not None:
        text += _("，下限 %(f)s 元") % {"f": format_amount(standard.operating_floor)}
    return text


def reading_step(ctx: trace.TraceContext) -> trace.TraceStep | None:
    inst, standard = ctx.instalment, ctx.instalment.standard
    if inst.item != InstalmentItem.OPERATING or standard.operating_kind != OperatingKind.PER_UNIT:
        return trace.basis_step(ctx)
    readings = _readings(ctx).get(inst.season)
    if not readings:
        return _estimate_step(ctx)
    usage = sum((r.usage for r in readings), ZERO)
    facts = [
        (
            gettext_lazy("表号（户号）"),
            _("%(n)s：起始读数 %(s)s，截止读数 %(e)s，用量 %(u)s，抄表日期 %(d)s")
            % {"n": r.meter.number, "s": r.start, "e": r.end, "u": r.usage, "d": f"{r.read_on}"},
        )
        for r in readings
    ]
    latest = max(readings, key=lambda r: (r.source_import.at, r.source_import_id)).source_import
    source = str(latest.get_source_display())
    if latest.file_name or latest.utility:
        source += f" · {latest.file_name or latest.utility}"
    facts.append((gettext_lazy("来源"), source))
    facts += [_flag_fact(f) for f in _flags(ctx).get(inst.season, [])]
    amount = pricing.operating_amount(standard, usage)
    facts.append((gettext_lazy("按读数计得"), format_amount(amount)))
    return trace.TraceStep(
        "reading",
        gettext_lazy("抄表读数"),
        _summary(standard, usage),
        latest.by or latest.utility,
        latest.at,
        facts,
    )


def _estimate_step(ctx: trace.TraceContext) -> trace.TraceStep:
    """No reading of the season: the standard's assumed units priced it (估算)."""
    step = trace.basis_step(ctx)
    step.summary = _("估算（尚未抄表）：%(basis)s") % {"basis": step.summary}
    decision = (
        EstimateDecision.objects.filter(instalment=ctx.instalment)
        .select_related("decided_by")
        .first()
    )
    if decision is not None:
        step.who, step.when = decision.decided_by, decision.decided_at
        step.facts.append((gettext_lazy("决定按估算发放"), decision.reason))
    else:
        step.facts.append((gettext_lazy("待抄表"), _("抄表数据到达并按实际用量核定后才能发放。")))
    return step


def register() -> None:
    """Put the reading step in the basis step's place (once)."""
    steps = trace.TRACE_STEPS
    if trace.basis_step in steps:
        steps[steps.index(trace.basis_step)] = reading_step
