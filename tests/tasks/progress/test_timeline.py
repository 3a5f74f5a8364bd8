"""The milestone timeline's SVG (`tasks.progress.timeline`): a marker per milestone and unit,
in its shape, the lateness in words, every text escaped, and well-formed XML."""

import datetime
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from django.utils import translation

from tasks.progress import timeline
from tasks.progress.chart_queries import MilestoneMark

D = datetime.date
SVG = "{http://www.w3.org/2000/svg}"


def _marks(today, plan=None, construction=None, acceptance=None, done=(True, True, False)):
    return [
        MilestoneMark("plan", "实施方案", D(2021, 6, 15), today, done[0], plan),
        MilestoneMark("construction", "工程建设", D(2021, 8, 30), today, done[1], construction),
        MilestoneMark("acceptance", "调试验收", D(2021, 9, 30), today, done[2], acceptance),
    ]


def _svg(today: D, overall_label: str = "全区") -> ET.Element:
    towns = [
        SimpleNamespace(
            town_name="洪山镇 <b>&", marks=_marks(today, D(2021, 6, 1), D(2021, 9, 12))
        ),
        SimpleNamespace(town_name="昆仑镇", marks=_marks(today, done=(False, False, False))),
    ]
    data = {"overall": _marks(today, D(2021, 6, 20), D(2021, 8, 30)), "towns": towns}
    layout = timeline.layout(data, overall_label=overall_label, today=today)
    return ET.fromstring(str(timeline.svg(layout)))


def _texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text") if cls in t.get("class", "").split()]


def test_every_unit_has_a_marker_of_each_milestone_in_its_shape():
    root = _svg(D(2021, 10, 5))
    rows = root.findall(f"{SVG}g")
    assert [r.find(f"{SVG}text").text for r in rows] == ["全区", "洪山镇 <b>&", "昆仑镇"]
    assert rows[0].get("class") == "row overall"
    for row in rows:
        points = row.findall(f"{SVG}g")
        assert [p.get("data-milestone") for p in points] == ["plan", "construction", "acceptance"]
        shapes = [p[1].tag.removeprefix(SVG) for p in points]
        assert shapes == ["circle", "rect", "polygon"]
    kunlun = rows[2].findall(f"{SVG}g")
    assert [p.get("class") for p in kunlun] == ["pt pt-overdue"] * 3
    assert kunlun[0].find(f"{SVG}title").text == "昆仑镇 · 实施方案 · 已逾期 112 天"


def test_lateness_and_overdue_are_written_and_only_the_first_overdue_of_a_row_is_labelled():
    root = _svg(D(2021, 10, 5))
    # 全区: plan 5 days late; 洪山镇: construction 13 days late.
    assert _texts(root, "late-label") == [
        "+5 天",
        "已逾期 5 天",
        "+13 天",
        "已逾期 5 天",
        "已逾期 112 天",
    ]
    assert (
        len([line for line in root.iter(f"{SVG}line") if line.get("class") == "overdue-bar"]) == 5
    )
    assert _texts(root, "due-label") == ["实施方案", "工程建设", "调试验收"]
    assert _texts(root, "due-date") == ["6/15", "8/30", "9/30"]
    assert [line.get("class") for line in root.iter(f"{SVG}line")].count("today") == 1


def test_years_overdue_is_clipped_at_the_edge_with_an_arrow():
    root = _svg(D(2023, 1, 1))
    overdue = _texts(root, "overdue-label")
    assert overdue[0] == "→ 已逾期 458 天"
    assert all(t.startswith("→ ") for t in overdue)
    assert [line.get("class") for line in root.iter(f"{SVG}line")].count("today") == 0


def test_in_english_and_with_markup_in_a_label_it_stays_well_formed():
    with translation.override("en"):
        root = _svg(D(2021, 10, 5), overall_label="All <towns> & more")
        assert _texts(root, "late-label")[0] == "+5 days"
        assert root.find(f"{SVG}title").text != "各单位三个时间节点的完成日期与时限"
    assert root.findall(f"{SVG}g")[0].find(f"{SVG}text").text == "All <towns> & more"
    assert root.get("viewBox") == "0 0 960 168"
