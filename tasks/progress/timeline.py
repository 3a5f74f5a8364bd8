"""The milestone timeline drawn on the server as SVG: one row per town, the three deadlines as
dashed lines, and where each milestone was met (on time or how late) or how long it is overdue.

SVG from the server rather than a script chart: it prints, it reads the same without
JavaScript, and the PDF reports can embed it. Shape tells the milestone, a text label tells
the lateness, so colour is never the only cue.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from tasks.progress.chart_queries import MilestoneMark

WIDTH = 960
LEFT = 150  # the town names
RIGHT = 120  # room for "+N 天" and "已逾期 N 天" labels past the last day
TOP = 46  # the deadline labels
ROW = 32
BOTTOM = 26  # the date ticks
#: The marker of each milestone (shape, not only colour, tells them apart).
SHAPES = {"plan": "circle", "construction": "square", "acceptance": "diamond"}


@dataclass
class Point:
    mark: MilestoneMark
    shape: str
    x: float
    y: float
    #: The overdue stretch, from the deadline to today (or the edge), when not met.
    overdue_to: float | None = None
    clipped: bool = False
    #: Overdue stretches of a row end together at today: only the first (the most overdue)
    #: is labelled; the table and each marker's title give every figure.
    labelled: bool = True

    @property
    def label_x(self) -> float:
        return round((self.overdue_to or self.x) + 11, 1)


def _span(marks: list[MilestoneMark], today: datetime.date) -> tuple[datetime.date, datetime.date]:
    dues = [m.due for m in marks]
    met = [m.met_on for m in marks if m.met_on]
    start = min([min(dues) - datetime.timedelta(days=21), *met])
    end = max([max(dues) + datetime.timedelta(days=14), *met])
    if any(not m.done for m in marks) and today > start:
        # Open milestones: show today, but a programme years overdue is clipped at the edge.
        end = max(end, min(today, max(dues) + datetime.timedelta(days=60)))
    return start, end


def layout(timeline: dict[str, Any], *, overall_label: str, today: datetime.date) -> dict:
    """Coordinates of every element; the template only writes them out."""
    rows = [(overall_label, timeline["overall"], True)]
    if len(timeline["towns"]) > 1:
        rows += [(t.town_name, t.marks, False) for t in timeline["towns"]]
    every = [m for _label, marks, _o in rows for m in marks]
    start, end = _span(every, today)
    days = max((end - start).days, 1)
    inner = WIDTH - LEFT - RIGHT

    def x(day: datetime.date) -> float:
        clamped = min(max(day, start), end)
        return round(LEFT + (clamped - start).days * inner / days, 1)

    height = TOP + ROW * len(rows) + BOTTOM
    out_rows = []
    for i, (label, marks, is_overall) in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        points = []
        overdue_labelled = False
        for m in marks:
            at = m.met_on if m.done and m.met_on else m.due
            point = Point(mark=m, shape=SHAPES.get(m.key, "circle"), x=x(at), y=y)
            if m.state == "overdue":
                point.overdue_to = x(today)
                point.clipped = today > end
                point.labelled = not overdue_labelled
                overdue_labelled = True
            points.append(point)
        out_rows.append({"label": label, "y": y, "points": points, "overall": is_overall})
    ticks = []
    day = start.replace(day=1)
    while day <= end:
        if day >= start:
            ticks.append({"day": day, "x": x(day)})
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    dues = [{"mark": m, "x": x(m.due)} for m in timeline["overall"]]
    today_x = x(today) if start <= today <= end else None
    return {
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": height - BOTTOM,
        "label_x": LEFT - 10,
        "tick_y": height - 8,
        "rows": out_rows,
        "ticks": ticks,
        "dues": dues,
        "today_x": today_x,
    }
