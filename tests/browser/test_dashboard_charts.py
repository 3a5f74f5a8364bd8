"""The dashboard's charts in a real browser: ECharts draws SVG from the page's JSON (no inline
script, so no CSP refusal), the server-drawn timeline is there, the data tables are folded on
screen and print with the page."""

import pytest

from tests.browser.conftest import log_in
from tests.tasks.progress.charts_data import chart_figures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ECHARTS = ["chart-towns", "chart-funnel", "chart-curve"]
TABLES = ["#towns-table", "#funnel-table", "#curve-table", "#timeline-table"]


@pytest.fixture
def figures(programme, town_a, town_b, district, official_b):
    return chart_figures(programme, town_a, town_b)


def _watch(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def _drawn(page, chart_id):
    return page.evaluate(
        """id => {
          const el = document.getElementById(id);
          const chart = window.echarts && window.echarts.getInstanceByDom(el);
          const svg = el.querySelector("svg");
          return !!chart && !!svg && svg.querySelectorAll("path").length > 0;
        }""",
        chart_id,
    )


def test_the_district_sees_the_charts_drawn_and_their_tables_print(page, live_server, figures):
    problems = _watch(page)
    log_in(page, live_server, "district")
    page.wait_for_selector("#chart-curve[data-rendered=true]")
    for chart_id in ECHARTS:
        assert _drawn(page, chart_id), chart_id
    assert page.locator("#timeline-svg g.pt").count() == 9  # all towns, and each town: 3 × 3
    for table in TABLES[:3]:
        assert not page.locator(table).is_visible(), table  # folded under 查看数据表 on screen
    page.emulate_media(media="print")
    for table in TABLES:
        assert page.locator(table).is_visible(), table
    assert page.locator("#chart-funnel svg").is_visible()
    assert problems == []


def test_an_official_sees_its_villages_drawn(page, live_server, figures):
    problems = _watch(page)
    log_in(page, live_server, "official_b")
    page.wait_for_selector("#chart-villages[data-rendered=true]")
    assert _drawn(page, "chart-villages")
    assert page.locator("#chart-towns").count() == 0
    page.locator("#villages-card summary").click()
    assert page.locator("#village-progress").is_visible()
    assert problems == []
