"""The dashboard's money charts: committed, batched and paid by season and by town, read from
the subsidies app through the registered section (tasks never imports subsidies), scoped to the
official's town, with the tables behind the charts."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from subsidies.models import Instalment, InstalmentStatus
from subsidies.services import schedule_generate
from tasks.progress import chart_queries, queries
from tasks.progress.sections import report_section


@pytest.fixture
def money(programme, make_accepted, town_a, town_b):
    """Two gas households in 洪山镇, one in 昆仑镇, each 3000 + 2800 one-off and 6 × 900.

    洪山镇's one-off items and 2021-2022 are paid, 昆仑镇's 2021-2022 is in a batch."""
    households = [make_accepted(town_a), make_accepted(town_a), make_accepted(town_b)]
    for h in households:
        schedule_generate(household=h)
    mine = Instalment.objects.filter(household__town=town_a)
    mine.filter(season__in=["", "2021-2022"]).update(status=InstalmentStatus.PAID)
    Instalment.objects.filter(household__town=town_b, season="2021-2022").update(
        status=InstalmentStatus.BATCHED
    )
    return programme


def _money(programme, user):
    rows = queries.progress_by_town(programme, user)
    return chart_queries.subsidy_money(programme, rows)


def _row(row):
    return (row["label"], row["committed"], row["paid"], row["batched"], row["scheduled"])


def test_money_by_season_and_town_to_the_fen(money, district):
    figures = _money(money, district)
    assert [_row(r) for r in figures["seasons"]] == [
        (
            "一次性补贴",
            Decimal("17400.00"),
            Decimal("11600.00"),
            Decimal("0.00"),
            Decimal("5800.00"),
        ),
        ("2021-2022", Decimal("2700.00"), Decimal("1800.00"), Decimal("900.00"), Decimal("0.00")),
        *[
            (
                f"{y}-{y + 1}",
                Decimal("2700.00"),
                Decimal("0.00"),
                Decimal("0.00"),
                Decimal("2700.00"),
            )
            for y in range(2022, 2027)
        ],
    ]
    towns = {r["label"]: _row(r) for r in figures["towns"]}
    assert towns["洪山镇"] == (
        "洪山镇", Decimal("22400.00"), Decimal("13400.00"), Decimal("0.00"), Decimal("9000.00")
    )  # fmt: skip
    assert towns["昆仑镇"] == (
        "昆仑镇", Decimal("11200.00"), Decimal("0.00"), Decimal("900.00"), Decimal("10300.00")
    )  # fmt: skip
    assert towns["开发区"][1] == Decimal("0.00")  # a town without money still has its row
    assert _row(figures["total"]) == (
        "合计", Decimal("33600.00"), Decimal("13400.00"), Decimal("900.00"), Decimal("19300.00")
    )  # fmt: skip


def test_an_official_sees_its_own_towns_money_only(money, official_b):
    figures = _money(money, official_b)
    assert [r["label"] for r in figures["towns"]] == ["昆仑镇"]
    assert figures["total"]["committed"] == Decimal("11200.00")


def test_the_section_is_registered_by_the_subsidies_app(money, town_b):
    rows = report_section("subsidies_by_town", money, town_id=town_b.pk)
    assert {r["town_id"] for r in rows} == {town_b.pk}
    assert sum(r["count"] for r in rows) == 8


@pytest.mark.parametrize("who", ["finance", "district", "official_b"])
def test_the_page_has_the_money_charts_and_tables(money, cast, client_for, who):
    html = client_for(cast[who]).get(reverse("progress:dashboard")).content.decode()
    assert 'id="chart-money-seasons"' in html and 'id="money-seasons-table"' in html
    data = html.split('<script id="dashboard-data" type="application/json">')[1]
    data = json.loads(data.split("</script>")[0])
    seasons = {s["key"]: s for s in data["money"]["seasons"]}
    if who == "official_b":
        assert "chart-money-towns" not in html
        assert seasons["2021-2022"]["batched"] == "900.00"
        assert [t["label"] for t in data["money"]["towns"]] == ["昆仑镇"]
    else:
        assert 'id="money-towns-table"' in html
        assert seasons[""]["paid"] == "11600.00"
    assert '<tr data-season="2021-2022"><th scope="row">2021-2022</th>' in html


def test_the_finance_bureau_sees_the_money_first(money, cast, client_for):
    for who, first in [("finance", True), ("district", False)]:
        html = client_for(cast[who]).get(reverse("progress:dashboard")).content.decode()
        assert (html.index('id="money-card"') < html.index('id="funnel-card"')) is first, who
