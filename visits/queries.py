"""Read side of visits and cases: who was paid (through subsidies), the draw plan, lists for a
user, and the figures of the dashboard and the report section."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from subsidies.queries import paid_in_season
from tasks.ledger.filters import id_tails_ending
from tasks.models import Town
from visits import sampling
from visits.models import OPEN_STATUSES, Case, CaseEvent, Visit, VisitSample, VisitStatus


@dataclass
class TownPlanRow:
    town: Town
    population: int
    households: list[int]

    @property
    def sample(self) -> int:
        return len(self.households)


@dataclass
class DrawPlan:
    season: str
    population: int
    towns: list[TownPlanRow]
    paid: dict[int, Decimal]

    @property
    def sample(self) -> int:
        return sum(t.sample for t in self.towns)

    def as_dict(self) -> dict[str, Any]:
        return {
            "season": self.season,
            "population": self.population,
            "sample": self.sample,
            "towns": [
                {
                    "town": t.town.name,
                    "population": t.population,
                    "sample": t.sample,
                    "households": t.households,
                }
                for t in self.towns
            ],
        }


def paid_population(season: str, town_id: int | None = None) -> dict[int, dict[int, Decimal]]:
    """{town_id: {household_id: paid}} of the households paid in `season`, towns in order."""
    rows = paid_in_season(season)
    if town_id is not None:
        rows = rows.filter(instalment__household__town_id=town_id)
    by_town: dict[int, dict[int, Decimal]] = {}
    order = {t.pk: i for i, t in enumerate(Town.objects.order_by("order", "code"))}
    for r in sorted(rows, key=lambda r: (order.get(r["town_id"], 0), r["household_id"])):
        by_town.setdefault(r["town_id"], {})[r["household_id"]] = r["paid"]
    return by_town


def draw_plan(
    *,
    season: str,
    confidence: Decimal | float | None = None,
    margin: Decimal | float | None = None,
    seed: int | None = None,
    town_id: int | None = None,
) -> DrawPlan:
    """The households a draw would take: a sample of every town, or (town_id) all of one."""
    by_town = paid_population(season, town_id)
    populations = {t: len(h) for t, h in by_town.items()}
    total = sum(populations.values())
    if town_id is not None:
        sizes = populations
    else:
        sizes = sampling.allocate(populations, sampling.sample_size(total, confidence, margin))
    drawn = sampling.draw({t: list(h) for t, h in by_town.items()}, sizes, seed or 0)
    towns = {t.pk: t for t in Town.objects.filter(pk__in=populations)}
    return DrawPlan(
        season=season,
        population=total,
        towns=[TownPlanRow(towns[d.town_id], d.population, d.households) for d in drawn],
        paid={h: amount for ids in by_town.values() for h, amount in ids.items()},
    )


def samples_for_list() -> Any:
    return (
        VisitSample.objects.select_related("town", "drawn_by")
        .annotate(done=Count("visits", filter=Q(visits__status=VisitStatus.DONE)))
        .order_by("-drawn_at", "-id")
    )


def sample_towns(sample: VisitSample, user: Any) -> list[dict[str, Any]]:
    """Per town of a sample (within the user's towns): drawn, done, mean satisfaction."""
    return list(
        Visit.objects.for_user(user)
        .filter(sample=sample)
        .values("town__name", "town__order")
        .annotate(
            drawn=Count("id"),
            done=Count("id", filter=Q(status=VisitStatus.DONE)),
            satisfaction=Avg("satisfaction"),
        )
        .order_by("town__order")
    )


def household_match(q: str) -> Q:
    """A search box's household part: the tail of an ID number (4 to 6 characters, as in the
    ledger: an indexed lookup) or part of the householder's name."""
    tail = q.upper()
    if 4 <= len(tail) <= 6 and tail[:-1].isdigit() and (tail[-1].isdigit() or tail[-1] == "X"):
        return Q(household__id_tail__in=id_tails_ending(tail))
    return Q(household__head_name__contains=q)


#: The lists' sort choices (a whitelist; anything else is the default, listed first).
VISIT_SORTS = {
    # Pending ("pending") before done ("done"): the work first.
    "work": ("-status", "town__order", "household__village__name", "household_id"),
    "recent": (F("visited_at").desc(nulls_last=True), "-id"),
    "satisfaction": (F("satisfaction").asc(nulls_last=True), "-visited_at", "id"),
    "name": ("household__head_name", "household_id"),
}
CASE_SORTS = {
    "recent": ("-opened_at", "-id"),
    "deadline": ("deadline", "id"),
    "town": ("town__order", "-opened_at", "-id"),
    "status": ("status", "deadline", "id"),
}


def visits_for_user(
    user: Any,
    *,
    status: str = "",
    season: str = "",
    q: str = "",
    town_id: int | None = None,
    sort: str = "",
) -> Any:
    qs = Visit.objects.for_user(user).select_related("household__village", "town", "sample")
    if status in VisitStatus.values:
        qs = qs.filter(status=status)
    if season:
        qs = qs.filter(sample__season=season)
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    if q:
        qs = qs.filter(household_match(q) | Q(household__village__name__contains=q))
    return qs.order_by(*VISIT_SORTS.get(sort, VISIT_SORTS["work"]))


def seasons_sampled() -> list[str]:
    return list(VisitSample.objects.order_by("-season").values_list("season", flat=True).distinct())


def cases_for_user(
    user: Any,
    *,
    status: str = "",
    category: str = "",
    overdue: bool = False,
    q: str = "",
    town_id: int | None = None,
    sort: str = "",
) -> Any:
    qs = Case.objects.for_user(user).select_related("town", "household")
    if town_id is not None:
        qs = qs.filter(town_id=town_id)
    if status == "open":
        qs = qs.open()
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if overdue:
        qs = qs.overdue(timezone.now())
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(hotline_number__contains=q) | household_match(q))
    return qs.order_by(*CASE_SORTS.get(sort, CASE_SORTS["recent"]))


def case_trail(case: Case) -> Any:
    return CaseEvent.objects.filter(case=case).select_related("by").order_by("at", "id")


def overdue_cases(today: datetime.date) -> Any:
    """Open cases whose deadline passed before `today` began (the daily job's list)."""
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return Case.objects.filter(status__in=OPEN_STATUSES, deadline__lt=start).select_related("town")


def figures_by_town(
    visits: Any, cases: Any, now: datetime.datetime, towns: Iterable[Town]
) -> list[dict[str, Any]]:
    """Rows per town: drawn, done, coverage %, mean satisfaction, open and overdue cases."""
    v = {
        r["town_id"]: r
        for r in visits.values("town_id").annotate(
            drawn=Count("id"),
            done=Count("id", filter=Q(status=VisitStatus.DONE)),
            satisfaction=Avg("satisfaction"),
        )
    }
    c = {
        r["town_id"]: r
        for r in cases.values("town_id").annotate(
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, deadline__lt=now)),
        )
    }
    rows = []
    for town in towns:
        vr, cr = v.get(town.pk, {}), c.get(town.pk, {})
        drawn, done = vr.get("drawn", 0), vr.get("done", 0)
        rows.append(
            {
                "town": town.name,
                "town_id": town.pk,
                "drawn": drawn,
                "done": done,
                "coverage": round(100 * done / drawn, 1) if drawn else None,
                "satisfaction": round(vr["satisfaction"], 2) if vr.get("satisfaction") else None,
                "open": cr.get("open", 0),
                "overdue": cr.get("overdue", 0),
            }
        )
    return rows


def dashboard(user: Any, season: str = "") -> dict[str, Any]:
    visits = Visit.objects.for_user(user)
    if season:
        visits = visits.filter(sample__season=season)
    towns = Town.objects.order_by("order", "code")
    if not user.sees_all_towns:
        towns = towns.filter(pk=user.town_id)
    rows = figures_by_town(visits, Case.objects.for_user(user), timezone.now(), towns)
    return {"rows": rows, "total": _total(rows)}


def _total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    drawn = sum(r["drawn"] for r in rows)
    done = sum(r["done"] for r in rows)
    rated = [(r["satisfaction"], r["done"]) for r in rows if r["satisfaction"] is not None]
    weight = sum(n for _s, n in rated)
    return {
        "drawn": drawn,
        "done": done,
        "coverage": round(100 * done / drawn, 1) if drawn else None,
        "satisfaction": round(sum(s * n for s, n in rated) / weight, 2) if weight else None,
        "open": sum(r["open"] for r in rows),
        "overdue": sum(r["overdue"] for r in rows),
    }


def report_rows(programme: Any, town_id: int | None = None) -> dict[str, Any]:
    """The PDF reports' section: the programme's visits and non-sensitive cases by town.

    Sensitive cases (suspected false claims) never go into a report: reports are e-mailed and
    town reports go to the town."""
    visits = Visit.objects.filter(household__programme=programme)
    cases = Case.objects.filter(sensitive=False).filter(
        Q(household__programme=programme) | Q(household__isnull=True)
    )
    towns = Town.objects.order_by("order", "code")
    if town_id is not None:
        visits, cases, towns = (
            visits.filter(town_id=town_id),
            cases.filter(town_id=town_id),
            towns.filter(pk=town_id),
        )
    rows = figures_by_town(visits, cases, timezone.now(), towns)
    return {"rows": rows, "total": _total(rows)}
