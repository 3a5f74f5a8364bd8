"""Reads of payments: splitting an amount into the sources' shares (exact to the fen), what
each source pays in a batch, the budget execution (预算执行) per source and season, and a
household's account for display."""

from collections import defaultdict
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, Q

from subsidies.models import (
    BatchLine,
    DisbursementBatch,
    Instalment,
    InstalmentStatus,
    LineState,
    SubsidyStandard,
)
from subsidies.money import ZERO
from subsidies.payments.models import FundBudget, FundShare, FundSource, PaymentAccount
from tasks.models import Household, Programme

FEN = Decimal("0.01")
#: The key under which amounts without shares (a standard nobody has set shares for) appear.
UNSET = ""


def split_amount(amount: Decimal, shares: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Split `amount` by percent shares to the fen, so the parts sum exactly to `amount`.

    Largest remainder: every part is first rounded down to the fen; the fen left over go one
    each to the parts with the largest remainders (ties: the order of `shares`). With no
    shares, the whole amount is UNSET.
    """
    if not shares:
        return {UNSET: amount}
    raw = [(source, amount * pct / 100) for source, pct in shares]
    parts = {source: value.quantize(FEN, rounding=ROUND_DOWN) for source, value in raw}
    left = int(((amount - sum(parts.values(), ZERO)) / FEN).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i][1] - parts[raw[i][0]]), i))
    for i in order[:left]:
        parts[raw[i][0]] += FEN
    return parts


def shares_by_standard(standard_ids: set[int]) -> dict[int, list[tuple[str, Decimal]]]:
    """Each standard version's shares in source order; a version without shares of its own
    takes those of the latest earlier version of the same programme and route that has them
    (a new version changes amounts, not who pays, unless finance says so)."""
    if not standard_ids:
        return {}
    wanted = list(
        SubsidyStandard.objects.filter(pk__in=standard_ids).values(
            "id", "programme_id", "route", "version"
        )
    )
    keys = {(s["programme_id"], s["route"]) for s in wanted}
    q = Q()
    for programme_id, route in keys:
        q |= Q(standard__programme_id=programme_id, standard__route=route)
    order = {s: i for i, s in enumerate(FundSource.values)}
    found: dict[tuple[int, str], dict[int, list[tuple[str, Decimal]]]] = defaultdict(dict)
    for share in FundShare.objects.filter(q).values(
        "standard__programme_id", "standard__route", "standard__version", "source", "percent"
    ):
        key = (share["standard__programme_id"], share["standard__route"])
        found[key].setdefault(share["standard__version"], []).append(
            (share["source"], share["percent"])
        )
    out: dict[int, list[tuple[str, Decimal]]] = {}
    for s in wanted:
        versions = found.get((s["programme_id"], s["route"]), {})
        usable = [v for v in versions if v <= s["version"]]
        shares = versions[max(usable)] if usable else []
        out[s["id"]] = sorted(shares, key=lambda p: order[p[0]])
    return out


def _split_groups(groups: list[dict[str, Any]], key: str) -> dict[tuple, Decimal]:
    """{(group key, source): amount} from rows of (standard, amount, n, key): each distinct
    amount is split once and multiplied, which equals splitting every item on its own."""
    shares = shares_by_standard({g["instalment__standard_id"] for g in groups})
    out: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for g in groups:
        parts = split_amount(g["amount"], shares.get(g["instalment__standard_id"], []))
        for source, part in parts.items():
            out[(g[key], source)] += part * g["n"]
    return out


def _source_rows(amounts: dict[str, Decimal]) -> list[dict[str, Any]]:
    labels = dict(FundSource.choices)
    rows = [
        {"source": s, "label": labels[s], "amount": amounts.get(s, ZERO)} for s in FundSource.values
    ]
    if amounts.get(UNSET):
        rows.append({"source": UNSET, "label": None, "amount": amounts[UNSET]})
    return rows


def batch_by_source(batch: DisbursementBatch) -> list[dict[str, Any]]:
    """What each source pays in the batch (lines not failed); sums exactly to the batch total."""
    groups = list(
        BatchLine.objects.filter(batch=batch)
        .exclude(state=LineState.FAILED)
        .values("instalment__standard_id", "amount", "batch_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    split = _split_groups(groups, "batch_id")
    return _source_rows({source: v for (_b, source), v in split.items()})


def budget_seasons(programme: Programme) -> list[str]:
    """The seasons a budget is set for: "" (the one-off items) and each heating season."""
    return ["", *programme.heating_seasons()]


def budget_execution(programme: Programme) -> list[dict[str, Any]]:
    """预算执行 per season and source: budget, committed (due and not yet paid: scheduled or
    in a batch), paid, and balance = budget − committed − paid. Cancelled items count for
    nothing; one-off items are the season "". Each item is split by its standard's shares."""
    groups = list(
        Instalment.objects.filter(household__programme=programme)
        .exclude(status=InstalmentStatus.CANCELLED)
        .values("standard_id", "amount", "season", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for g in groups:
        g["instalment__standard_id"] = g["standard_id"]
    paid_status = InstalmentStatus.PAID
    committed = _split_groups([g for g in groups if g["status"] != paid_status], "season")
    paid = _split_groups([g for g in groups if g["status"] == paid_status], "season")
    budgets = {
        (b.season, b.source): b.amount for b in FundBudget.objects.filter(programme=programme)
    }
    labels = dict(FundSource.choices)
    sources = list(FundSource.values)
    if any(k[1] == UNSET for k in (*committed, *paid)):
        sources.append(UNSET)
    rows = []
    for season in budget_seasons(programme):
        for source in sources:
            budget = budgets.get((season, source), ZERO)
            c = committed.get((season, source), ZERO)
            p = paid.get((season, source), ZERO)
            rows.append(
                {
                    "season": season,
                    "source": source,
                    "label": labels.get(source),
                    "budget": budget,
                    "committed": c,
                    "paid": p,
                    "balance": budget - c - p,
                    "has_budget": (season, source) in budgets,
                }
            )
    return rows


def account_of(household: Household) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(household=household).first()


def standards_with_shares(programme: Programme) -> list[dict[str, Any]]:
    """Every standard version of the programme with the shares that apply to it."""
    standards = list(SubsidyStandard.objects.filter(programme=programme))
    shares = shares_by_standard({s.pk for s in standards})
    own = set(
        FundShare.objects.filter(standard__in=standards).values_list("standard_id", flat=True)
    )
    labels = dict(FundSource.choices)
    return [
        {
            "standard": s,
            "shares": [(labels[src], pct) for src, pct in shares.get(s.pk, [])],
            "inherited": s.pk not in own and bool(shares.get(s.pk)),
        }
        for s in standards
    ]
