"""Read-side figures of the dashboard's charts: the stage funnel, progress by town against the
quota, the three milestones (met on time, how late, or still open), the stages' cumulative
curve over time, subsidy money by season and town, and a town's villages. Reads only.

Accepted dates and money belong to other apps: they reach this module through
`tasks.progress.sections` ("accepted_by_day", "subsidies_by_town"), so `tasks` imports neither
`acceptance` nor `subsidies`. Every figure is a grouped query: about six queries for the whole
dashboard whatever the number of households, each reading a tally (`tasks.models.tallies`)
or a small table, never every household.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.utils.translation import gettext as _

from tasks.models import Milestone, Programme
from tasks.plans.queries import first_plan_approvals
from tasks.progress.queries import (
    CURRENT_STAGES,
    MILESTONE_STAGES,
    STAGE_LABELS,
    TownProgress,
    VillageProgress,
    stage_day_counts,
    towns_stage_day_rows,
    unmet_milestones,
)
from tasks.progress.sections import report_section
from tasks.progress.tally_sql import DATED_STAGES

#: The day each stage of the curve is reached, as a household field (accepted comes from the
#: acceptance app: the date on the standing commissioning pass).
STAGE_DAY_FIELDS = dict(DATED_STAGES)
CURVE_STAGES = ("contracted", "started", "built", "accepted")

#: Segments of a town's bar, each the households in that state today, from done to not begun;
#: together with "not registered" they fill the quota.
BAR_SEGMENTS = (
    "accepted",
    "awaiting_acceptance",
    "under_construction",
    "awaiting_start",
    "surveyed",
)

DayRows = list[tuple[int, datetime.date, int]]  # (town id, day, households)
ZERO = Decimal("0.00")
MONEY_KEYS = ("committed", "batched", "paid", "scheduled")


# --- milestones ----------------------------------------------------------------------------


@dataclass
class MilestoneMark:
    """One milestone of one town (or of all the user's towns): done or not by the one rule
    (`unmet_milestones`), and when it was met, from the dated records."""

    key: str
    label: str
    due: datetime.date
    today: datetime.date
    done: bool
    met_on: datetime.date | None = None

    @property
    def late_by(self) -> int:
        """Days after the deadline it was met (0 on time or not met)."""
        return max((self.met_on - self.due).days, 0) if self.done and self.met_on else 0

    @property
    def overdue_by(self) -> int:
        """Days past the deadline while still not met (0 otherwise)."""
        return 0 if self.done else max((self.today - self.due).days, 0)

    @property
    def state(self) -> str:
        if self.done:
            return "late" if self.late_by else "on_time"
        return "overdue" if self.overdue_by else "open"

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def text(self) -> str:
        """The standing in words: met on time, met late by how much, overdue, or still open
        (the timeline writes it in its tiles, its points' titles and its table)."""
        met = self.met_on.isoformat() if self.met_on else ""
        state = self.state
        if state == "on_time":
            return _("%(met)s 按时完成") % {"met": met} if self.met_on else _("已完成")
        if state == "late":
            return _("%(met)s 完成，逾期 %(n)s 天") % {"met": met, "n": self.late_by}
        if state == "overdue":
            return _("已逾期 %(days)s 天") % {"days": self.overdue_by}
        if self.days_left == 0:
            return _("今天到期")
        return _("还有 %(n)s 天") % {"n": self.days_left}


@dataclass
class TownTimeline:
    town_id: int
    town_code: str
    town_name: str
    quota: int
    marks: list[MilestoneMark] = field(default_factory=list)


def reached_on(rows: Iterable[tuple[int, datetime.date, int]], target: int) -> datetime.date | None:
    """The day the running total of `rows` (in date order) first reaches `target`."""
    if target <= 0:
        return None
    total = 0
    for _town, day, n in sorted(rows, key=itemgetter(1)):
        total += n
        if total >= target:
            return day
    return None


def stage_days(programme: Programme, stage: str, town_ids: list[int]) -> DayRows:
    """(town, day, households) of the households that reached `stage`, by the day they did,
    in day order: the stage-day tally (kept by triggers from the households' dates, see
    `tasks.progress.tally_sql`); accepted comes from the acceptance app's registered section."""
    if stage == "accepted":
        scope = town_ids[0] if len(town_ids) == 1 else None
        rows = report_section("accepted_by_day", programme, town_id=scope) or []
        wanted = set(town_ids)
        return [
            (r["town_id"], r["day"], r["n"]) for r in rows if r["day"] and r["town_id"] in wanted
        ]
    return stage_day_counts(programme, stage, town_ids)


def curve_days(programme: Programme, town_ids: list[int]) -> dict[str, DayRows]:
    """`stage_days` of every stage of the curve in one query over the stage-day tally (the
    accepted rows are the acceptance app's, kept by its triggers; none without it)."""
    days: dict[str, DayRows] = {stage: [] for stage in CURVE_STAGES}
    for stage, town_id, day, n in towns_stage_day_rows(programme, town_ids):
        if stage in days:
            days[stage].append((town_id, day, n))
    return days


def _marks(
    programme: Programme,
    *,
    quota: int,
    counts: Mapping[str, int],
    plan_on: datetime.date | None,
    plan_done: bool,
    days: Mapping[str, DayRows],
    today: datetime.date,
) -> list[MilestoneMark]:
    unmet = unmet_milestones(quota=quota, counts=counts, plan_approved=plan_done)
    met_on = {Milestone.PLAN: plan_on}
    for milestone, stage in MILESTONE_STAGES.items():
        met_on[milestone] = reached_on(days[stage], quota) if milestone not in unmet else None
    return [
        MilestoneMark(
            key=key,
            label=str(label),
            due=due,
            today=today,
            done=key not in unmet,
            met_on=met_on.get(key),
        )
        for key, label, due in programme.milestones()
    ]


def milestone_timeline(
    programme: Programme,
    rows: list[TownProgress],
    total: TownProgress,
    today: datetime.date,
    days: Mapping[str, DayRows],
) -> dict[str, Any]:
    """Each town's three milestones and those of all the user's towns together: one query (the
    plan approvals) beyond the day rows the curve reads anyway."""
    ids = [r.town_id for r in rows]
    plans = first_plan_approvals(programme, ids)
    by_town: dict[int, dict[str, DayRows]] = {
        r.town_id: {stage: [] for stage in days} for r in rows
    }
    for stage, stage_rows in days.items():
        for d in stage_rows:
            if d[0] in by_town:
                by_town[d[0]][stage].append(d)
    towns = []
    for r in rows:
        own = by_town[r.town_id]
        marks = _marks(
            programme,
            quota=r.quota,
            counts=r.counts,
            plan_on=plans.get(r.town_id),
            plan_done=r.town_id in plans,
            days=own,
            today=today,
        )
        towns.append(TownTimeline(r.town_id, r.town_code, r.town_name, r.quota, marks))
    overall = _marks(
        programme,
        quota=total.quota,
        counts=total.counts,
        plan_on=max(plans.values()) if ids and len(plans) == len(ids) else None,
        plan_done=bool(ids) and len(plans) == len(ids),
        days=days,
        today=today,
    )
    return {"towns": towns, "overall": overall}


# --- the curve -----------------------------------------------------------------------------


def stage_curve(days: Mapping[str, DayRows]) -> dict[str, Any]:
    """Running totals per stage from the first dated event to the last: a point on every day
    something changed, and on the day before it when the day before was quiet (so a line
    drawn through the points is the day-by-day curve: flat, then the day's step), whatever
    the span; and for the table, the running totals week by week from the first day, a week
    left out when nothing moved in it, the last day always shown."""
    per_day = {stage: _per_day(days.get(stage, [])) for stage in CURVE_STAGES}
    changed = sorted({day for counts in per_day.values() for day in counts})
    if not changed:
        return {"points": [], "weeks": [], "series": []}
    one = datetime.timedelta(days=1)
    running = dict.fromkeys(CURVE_STAGES, 0)
    points: list[dict[str, Any]] = []
    for day in changed:
        if points and day - points[-1]["day"] > one:
            points.append({**points[-1], "day": day - one})
        for stage in CURVE_STAGES:
            running[stage] += per_day[stage].get(day, 0)
        points.append({"day": day, **running})
    series = [{"key": s, "label": str(STAGE_LABELS[s])} for s in CURVE_STAGES]
    return {"points": points, "weeks": _weeks(points), "series": series}


def _weeks(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The running totals on the first day and every seventh after it (and on the last day),
    leaving out a week whose totals equal the week before it."""
    start, end = points[0]["day"], points[-1]["day"]
    weeks: list[dict[str, Any]] = []
    i, day = 0, start
    while True:
        while i + 1 < len(points) and points[i + 1]["day"] <= day:
            i += 1
        row = {**points[i], "day": day}
        if not weeks or _totals(row) != _totals(weeks[-1]) or day == end:
            weeks.append(row)
        if day == end:
            return weeks
        day = min(day + datetime.timedelta(days=7), end)


def _totals(point: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(point[s] for s in CURVE_STAGES)


def _per_day(rows: DayRows) -> dict[datetime.date, int]:
    out: dict[datetime.date, int] = {}
    for _town, day, n in rows:
        out[day] = out.get(day, 0) + n
    return out


# --- stages and towns ----------------------------------------------------------------------


def town_bars(rows: list[TownProgress]) -> dict[str, Any]:
    """Per town, the households in each state today, from accepted to not yet registered: the
    segments add up to the quota (or to the registered households, when there are more)."""
    segments = [{"key": s, "label": str(_segment_label(s))} for s in (*BAR_SEGMENTS, "missing")]
    towns = []
    for r in rows:
        values = {s: r.counts.get(s) or 0 for s in BAR_SEGMENTS}
        values["missing"] = max(r.quota - (r.counts.get("registered") or 0), 0)
        towns.append({"code": r.town_code, "name": r.town_name, "quota": r.quota, **values})
    return {"segments": segments, "towns": towns}


def _segment_label(stage: str) -> str:
    if stage == "accepted":
        return _("已验收")
    if stage == "missing":
        return _("尚未登记（距建设任务）")
    return STAGE_LABELS[stage]


def funnel(total: TownProgress) -> dict[str, Any]:
    """The cumulative stages against the task (each a share of it), and today's states."""
    cells = total.stages()
    return {
        "quota": total.quota,
        "cumulative": [{**c, "label": str(c["label"])} for c in cells if c["cumulative"]],
        "current": [{**c, "label": str(c["label"])} for c in cells if not c["cumulative"]],
    }


def village_bars(villages: list[VillageProgress]) -> list[dict[str, Any]]:
    """A town's villages: the plan's task beside registered, built and accepted."""
    return [
        {
            "name": v.name,
            "task": v.task,
            "registered": v.registered,
            "built": v.counts.get("built") or 0,
            "accepted": v.counts.get("accepted") or 0,
        }
        for v in villages
    ]


# --- money ---------------------------------------------------------------------------------


def subsidy_money(programme: Programme, rows: list[TownProgress]) -> dict[str, Any] | None:
    """Committed, batched and paid by season and by town within the user's towns, from the
    subsidies app's registered section (None when it is not installed): one grouped query."""
    ids = [r.town_id for r in rows]
    scope = ids[0] if len(ids) == 1 else None
    found = report_section("subsidies_by_town", programme, town_id=scope)
    if found is None:
        return None
    wanted = set(ids)
    seasons: dict[str, dict[str, Any]] = {}
    towns = {r.town_id: _money_row(key=r.town_code, label=r.town_name) for r in rows}
    for cell in (c for c in found if c["town_id"] in wanted):
        season = seasons.setdefault(cell["season"], _money_row(cell["season"], cell["label"]))
        for target in (season, towns[cell["town_id"]]):
            for k in ("committed", "batched", "paid"):
                target[k] += cell[k]
    for row in (*seasons.values(), *towns.values()):
        row["scheduled"] = row["committed"] - row["batched"] - row["paid"]
    total = _money_row("", _("合计"))
    for row in seasons.values():
        for k in MONEY_KEYS:
            total[k] += row[k]
    by_season = [seasons[k] for k in sorted(seasons)]  # one-off ("") first, then seasons
    return {"seasons": by_season, "towns": list(towns.values()), "total": total}


def _money_row(key: str, label: str) -> dict[str, Any]:
    return {"key": key, "label": str(label), **dict.fromkeys(MONEY_KEYS, ZERO)}


# --- the whole dashboard -------------------------------------------------------------------


def dashboard_charts(
    programme: Programme,
    rows: list[TownProgress],
    total: TownProgress,
    *,
    today: datetime.date,
    with_money: bool,
    villages: list[VillageProgress] | None = None,
) -> dict[str, Any]:
    """Every chart's figures for the towns in `rows` (already scoped to the user)."""
    ids = [r.town_id for r in rows]
    days = curve_days(programme, ids)
    return {
        "bars": town_bars(rows),
        "funnel": funnel(total),
        "timeline": milestone_timeline(programme, rows, total, today, days),
        "curve": stage_curve(days),
        "money": subsidy_money(programme, rows) if with_money else None,
        "villages": village_bars(villages) if villages is not None else None,
        "current_stages": CURRENT_STAGES,
    }


def _labels() -> dict[str, str]:
    return {
        "households": _("户"),
        "yuan": _("元"),
        "wan_yuan": _("万元"),
        "quota": _("建设任务"),
        "task": _("方案任务"),
        "registered": _("台账登记"),
        "built": _("已完工累计"),
        "accepted": _("已验收累计"),
        "paid": _("已发放"),
        "batched": _("批次中"),
        "scheduled": _("已排期未发放"),
    }


def village_chart_json(villages: list[VillageProgress]) -> dict[str, Any]:
    """A town page's village chart (the same script draws it)."""
    return {"labels": _labels(), "villages": village_bars(villages)}


def chart_json(charts: dict[str, Any], programme: Programme) -> dict[str, Any]:
    """What the browser draws (static/js/dashboard.js): the figures and their labels only;
    Decimal money goes as strings, dates as ISO days (Django's JSON encoder)."""
    curve = charts["curve"]
    return {
        "labels": _labels(),
        "bars": charts["bars"],
        "funnel": charts["funnel"],
        "curve": {
            "series": curve["series"],
            "points": [[p["day"], *(p[s] for s in CURVE_STAGES)] for p in curve["points"]],
            "quota": charts["funnel"]["quota"],
            "milestones": [
                {"label": str(label), "day": due} for _key, label, due in programme.milestones()
            ],
        },
        "money": charts["money"],
        "villages": charts["villages"],
    }
