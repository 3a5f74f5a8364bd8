"""The milestone timeline drawn on the server as SVG: one row per town, the three deadlines as
dashed lines, and where each milestone was met (on time or how late) or how long it is overdue.

SVG from the server rather than a script chart: it prints, it reads the same without
JavaScript, and the PDF reports can embed it. Shape tells the milestone, a text label tells
the lateness, so colour is never the only cue.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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
    """Coordinates of every element; `svg` writes them out."""
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


#: The marker of each shape, centred on its point.
_MARKERS = {
    "square": '<rect x="-6.5" y="-6.5" width="13" height="13"/>',
    "diamond": '<polygon points="0,-8.5 8.5,0 0,8.5 -8.5,0"/>',
    "circle": '<circle r="7"/>',
}


def _md(day: datetime.date) -> str:
    return f"{day.month}/{day.day}"


def svg(s: dict) -> SafeString:
    """The SVG of a `layout`, written out here rather than by a template: a dashboard draws it
    on every request, and the template language spent more time on its few hundred attributes
    than the rest of the chart. Every text is escaped; numbers are written unlocalized."""
    out = [
        f'<svg class="timeline" id="timeline-svg" viewBox="0 0 {s["width"]} {s["height"]}" '
        'role="img" aria-labelledby="timeline-svg-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="timeline-svg-title">{escape(_("各单位三个时间节点的完成日期与时限"))}</title>',
    ]
    top, bottom = s["top"], s["bottom"]
    for t in s["ticks"]:
        out.append(
            f'<line class="tick" x1="{t["x"]}" x2="{t["x"]}" y1="{top}" y2="{bottom}"/>'
            f'<text class="tick-label" x="{t["x"]}" y="{s["tick_y"]}" text-anchor="middle">'
            f"{_md(t['day'])}</text>"
        )
    for d in s["dues"]:
        x, mark = d["x"], d["mark"]
        out.append(
            f'<line class="due" x1="{x}" x2="{x}" y1="34" y2="{bottom}"/>'
            f'<text class="due-label" x="{x}" y="14" text-anchor="middle">{escape(mark.label)}'
            f'</text><text class="due-date" x="{x}" y="29" text-anchor="middle">'
            f"{_md(mark.due)}</text>"
        )
    if s["today_x"]:
        x = s["today_x"]
        out.append(f'<line class="today" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>')
    for r in s["rows"]:
        out.append(_row(s, r))
    out.append("</svg>")
    return mark_safe("\n".join(out))  # every text above went through escape()


def _row(s: dict, r: dict) -> str:
    y, label = r["y"], escape(r["label"])
    out = [
        f'<g class="row{" overall" if r["overall"] else ""}">',
        f'<text class="row-label" x="{s["label_x"]}" y="{y}" dy="0.35em" text-anchor="end">'
        f"{label}</text>",
        f'<line class="baseline" x1="{s["left"]}" x2="{s["right"]}" y1="{y}" y2="{y}"/>',
    ]
    for p in r["points"]:
        m = p.mark
        if p.overdue_to:
            out.append(
                f'<line class="overdue-bar" x1="{p.x}" x2="{p.overdue_to}" y1="{y}" y2="{y}"/>'
            )
        out.append(
            f'<g class="pt pt-{escape(m.state)}" data-milestone="{escape(m.key)}" '
            f'transform="translate({p.x} {y})"><title>{label} · {escape(m.label)} · '
            f"{escape(m.text)}</title>{_MARKERS[p.shape]}</g>"
        )
        if m.state == "late":
            text = _("+%(n)s 天") % {"n": m.late_by}
            out.append(
                f'<text class="late-label" x="{p.label_x}" y="{y}" dy="0.35em">{escape(text)}'
                "</text>"
            )
        elif m.state == "overdue" and p.labelled:
            text = ("→ " if p.clipped else "") + _("已逾期 %(days)s 天") % {"days": m.overdue_by}
            out.append(
                f'<text class="late-label overdue-label" x="{p.label_x}" y="{y}" dy="0.35em">'
                f"{escape(text)}</text>"
            )
    out.append("</g>")
    return "\n".join(out)
