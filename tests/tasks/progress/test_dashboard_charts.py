"""The dashboard's chart figures: exact counts from factory data, the milestones read by the one
rule (met on time, how late, or how long overdue), the curve (change days), a few queries, and the
page's chart containers, JSON and tables for each role, scoped to the official's town."""

import datetime
import itertools
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import HouseholdStatus, Quota
from tasks.progress import chart_queries, queries
from tests.factories import ApprovedPlanFactory, UserFactory
from tests.tasks.progress.charts_data import at, chart_figures, household
from zichuan_heating.roles import Role

S = HouseholdStatus
D = datetime.date
TODAY = D(2021, 10, 10)


@pytest.fixture
def figures(programme, town_a, town_b, district):
    return chart_figures(programme, town_a, town_b)


def _charts(programme, user, villages=None):
    rows = queries.progress_by_town(programme, user)
    total = queries.progress_total(rows)
    return chart_queries.dashboard_charts(
        programme, rows, total, today=TODAY, with_money=False, villages=villages
    )


def _marks(marks):
    return [(m.key, m.state, m.met_on, m.late_by, m.overdue_by) for m in marks]


def test_milestones_read_as_done_on_time_late_or_overdue(figures, district, town_a, town_b):
    timeline = _charts(figures, district)["timeline"]
    hongshan, kunlun = timeline["towns"]
    assert _marks(hongshan.marks) == [
        ("plan", "on_time", D(2021, 6, 10), 0, 0),
        ("construction", "late", D(2021, 9, 2), 3, 0),
        ("acceptance", "on_time", D(2021, 9, 28), 0, 0),
    ]
    assert _marks(kunlun.marks) == [
        ("plan", "late", D(2021, 6, 20), 5, 0),
        ("construction", "overdue", None, 0, 41),
        ("acceptance", "overdue", None, 0, 10),
    ]
    # All towns together: the last plan approved 6/20; 4 of 5 built and accepted.
    assert _marks(timeline["overall"]) == [
        ("plan", "late", D(2021, 6, 20), 5, 0),
        ("construction", "overdue", None, 0, 41),
        ("acceptance", "overdue", None, 0, 10),
    ]


def test_bars_and_funnel_count_the_stages_against_the_quota(figures, district):
    charts = _charts(figures, district)
    assert [
        (t["name"], t["quota"], t["accepted"], t["under_construction"], t["missing"])
        for t in charts["bars"]["towns"]
    ] == [("洪山镇", 3, 3, 0, 0), ("昆仑镇", 2, 1, 1, 0)]
    funnel = charts["funnel"]
    assert funnel["quota"] == 5
    assert [(c["key"], c["count"], str(c["percent"])) for c in funnel["cumulative"]] == [
        ("registered", 5, "100.0"),
        ("contracted", 5, "100.0"),
        ("started", 5, "100.0"),
        ("built", 4, "80.0"),
        ("accepted", 4, "80.0"),
    ]
    assert {c["key"]: c["count"] for c in funnel["current"]}["under_construction"] == 1


def _on(points, day):
    """The curve's totals on `day`: the last point at or before it."""
    return {**[p for p in points if p["day"] <= day][-1], "day": day}


def test_the_curve_runs_from_the_first_signing_to_the_last_acceptance(figures, district):
    curve = _charts(figures, district)["curve"]
    points = curve["points"]
    assert points[0]["day"] == D(2021, 7, 1)
    assert points[-1]["day"] == D(2021, 9, 28)
    assert _on(points, D(2021, 7, 2)) == {
        "day": D(2021, 7, 2), "contracted": 4, "started": 3, "built": 0, "accepted": 0,
    }  # fmt: skip
    assert _on(points, D(2021, 8, 19))["built"] == 2
    assert _on(points, D(2021, 8, 20))["built"] == 3
    assert points[-1] == {
        "day": D(2021, 9, 28), "contracted": 5, "started": 5, "built": 4, "accepted": 4,
    }  # fmt: skip
    # Only the days that change (and the quiet day before each), yet a line through them is
    # the day-by-day curve: two points more than a day apart carry the same totals.
    assert len(points) < 90
    for a, b in itertools.pairwise(points):
        assert b["day"] > a["day"]
        if (b["day"] - a["day"]).days > 1:
            assert {**a, "day": None} == {**b, "day": None}
    assert [p["day"] for p in curve["weeks"]][:2] == [D(2021, 7, 1), D(2021, 7, 8)]
    assert curve["weeks"][-1]["day"] == D(2021, 9, 28)
    for week in curve["weeks"]:
        assert week == _on(points, week["day"])


def test_the_curve_stays_small_over_years(programme, town_a):
    """A last acceptance years after the others adds two points, not one a day."""
    from tasks.progress.chart_queries import stage_curve

    days = {
        "contracted": [(town_a.pk, D(2021, 7, 1), 3)],
        "accepted": [(town_a.pk, D(2021, 9, 1), 2), (town_a.pk, D(2026, 12, 1), 1)],
    }
    curve = stage_curve(days)
    assert [(p["day"], p["accepted"]) for p in curve["points"]] == [
        (D(2021, 7, 1), 0), (D(2021, 8, 31), 0), (D(2021, 9, 1), 2),
        (D(2026, 11, 30), 2), (D(2026, 12, 1), 3),
    ]  # fmt: skip
    assert [(w["day"], w["accepted"]) for w in curve["weeks"]] == [
        (D(2021, 7, 1), 0), (D(2021, 9, 2), 2), (D(2026, 12, 1), 3),
    ]  # fmt: skip


def test_an_official_sees_only_its_town_in_every_chart(figures, official_b, town_b):
    charts = _charts(figures, official_b)
    assert [t["name"] for t in charts["bars"]["towns"]] == ["昆仑镇"]
    assert charts["funnel"]["quota"] == 2
    assert charts["curve"]["points"][-1] == {
        "day": D(2021, 9, 15), "contracted": 2, "started": 2, "built": 1, "accepted": 1,
    }  # fmt: skip
    assert [t.town_name for t in charts["timeline"]["towns"]] == ["昆仑镇"]


def test_the_charts_cost_a_handful_of_queries(figures, district, django_assert_max_num_queries):
    rows = queries.progress_by_town(figures, district)
    total = queries.progress_total(rows)
    with django_assert_max_num_queries(6):
        chart_queries.dashboard_charts(figures, rows, total, today=TODAY, with_money=True)


def test_reached_on_is_the_day_the_running_total_meets_the_target():
    rows = [(1, D(2021, 8, 2), 2), (2, D(2021, 8, 1), 1), (1, D(2021, 8, 5), 4)]
    assert chart_queries.reached_on(rows, 3) == D(2021, 8, 2)
    assert chart_queries.reached_on(rows, 7) == D(2021, 8, 5)
    assert chart_queries.reached_on(rows, 8) is None
    assert chart_queries.reached_on([], 0) is None


# --- the page -----------------------------------------------------------------------------

CONTAINERS = ["chart-funnel", "chart-curve", "timeline-svg", "funnel-table", "timeline-table"]


def _page(client):
    response = client.get(reverse("progress:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">')
    data = json.loads(html[start:].split(">", 1)[1].split("</script>", 1)[0])
    return html, data


@pytest.mark.parametrize("role", ["district", "finance", "administrator"])
def test_every_all_towns_role_gets_the_charts_their_json_and_tables(
    figures, cast, client_for, role
):
    html, data = _page(client_for(cast[role]))
    for element in [*CONTAINERS, "chart-towns", "towns-table"]:
        assert f'id="{element}"' in html, element
    assert [t["name"] for t in data["bars"]["towns"]] == ["洪山镇", "昆仑镇"]
    assert data["funnel"]["quota"] == 5
    assert data["curve"]["points"][-1] == ["2021-09-28", 5, 5, 4, 4]
    assert '<tr data-chart-town="kunlun"><th scope="row">昆仑镇</th><td class="num">2</td>' in html
    assert "<script>" not in html  # no inline script (CSP): the figures are JSON, the code a file
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html


def test_an_official_page_shows_its_own_town_with_its_villages_and_no_other(
    figures, client_for, official_b
):
    html, data = _page(client_for(official_b))
    for element in [*CONTAINERS, "chart-villages", "village-progress"]:
        assert f'id="{element}"' in html, element
    assert "chart-towns" not in html  # one town: its villages take the place of the towns
    assert [t["name"] for t in data["bars"]["towns"]] == ["昆仑镇"]
    assert data["funnel"]["quota"] == 2
    assert [v["name"] for v in data["villages"]] == ["东村"]
    assert data["villages"][0]["accepted"] == 1
    assert "洪山镇" not in html.split('id="timeline-card"')[1].split("</section>")[0]
    assert "洪山" not in json.dumps(data, ensure_ascii=False)


def test_a_finished_programme_reads_as_done_in_the_milestone_tiles(programme, town_a, client_for):
    Quota.objects.filter(programme=programme).exclude(town=town_a).delete()
    Quota.objects.filter(programme=programme, town=town_a).update(households=1)
    ApprovedPlanFactory(programme=programme, town=town_a, approved_at=at(D(2021, 6, 22)))
    household(
        programme, town_a, S.ACCEPTED, signed=D(2021, 7, 1), started=D(2021, 7, 2),
        built=D(2021, 8, 1), accepted=D(2021, 10, 2),
    )  # fmt: skip
    official = UserFactory(username="official_x", town=town_a, role=Role.TOWN_OFFICIAL)
    html, _data = _page(client_for(official))
    tiles = html.split('class="dash-marks"')[1].split("</ul>")[0]
    assert "2021-06-22 完成，逾期 7 天" in tiles
    assert "2021-08-01 按时完成" in tiles
    assert "2021-10-02 完成，逾期 2 天" in tiles
    assert "已逾期" not in tiles


def test_a_town_page_draws_its_villages_for_the_district_and_404s_another_official(
    figures, client_for, district, official_a, town_b
):
    url = reverse("progress:town_detail", args=[town_b.code])
    html = client_for(district).get(url).content.decode()
    assert 'id="chart-villages"' in html and 'id="village-progress"' in html
    data = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert data["villages"] == [
        {"name": "东村", "task": None, "registered": 2, "built": 1, "accepted": 1}
    ]
    assert client_for(official_a).get(url).status_code == 404


def test_a_revoked_pass_does_not_count_the_standing_one_does(programme, town_a):
    from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
    from acceptance.queries import accepted_by_day

    h = household(programme, town_a, S.ACCEPTED, accepted=D(2021, 9, 10))
    Acceptance.objects.filter(household=h).update(
        revoked=True, revoke_reason="录入错误", revoked_at=timezone.now()
    )
    Acceptance.objects.create(
        household=h, kind=AcceptanceKind.COMMISSIONING, date=D(2021, 9, 12),
        result=AcceptanceResult.PASS,
    )  # fmt: skip
    household(programme, town_a, S.BUILT, accepted=D(2021, 9, 11))  # status not accepted
    assert accepted_by_day(programme) == [{"town_id": town_a.pk, "day": D(2021, 9, 12), "n": 1}]
