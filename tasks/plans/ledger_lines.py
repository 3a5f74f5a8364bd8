"""The plan editor's "start from the ledger": one line per village and route of the town's
ledger, with its household count, keeping what the current plan says for the same line."""

from django.db.models import Count

from tasks.models import Household, Programme, Town
from tasks.plans.services import LINE_FIELDS


def ledger_line_initial(programme: Programme, town: Town, current: list[dict]) -> list[dict]:
    """Lines for the editor: the ledger's villages and routes (withdrawn households left out),
    each with its count; dates, contractor and safety officers taken from `current` where the
    plan already has that village and route."""
    kept = {(line.get("village"), line.get("route")): line for line in current}
    rows = (
        Household.objects.filter(programme=programme, town=town)
        .active()
        .values("village_id", "village__name", "route")
        .annotate(n=Count("id"))
        .order_by("village__name", "route")
    )
    lines = []
    for row in rows:
        line = {name: None for name in LINE_FIELDS}
        line.update(kept.get((row["village_id"], row["route"]), {}))
        line.update({"village": row["village_id"], "route": row["route"], "households": row["n"]})
        lines.append(line)
    return lines
