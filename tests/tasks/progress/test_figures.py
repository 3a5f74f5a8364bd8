"""Figures that mean what they say: current and cumulative stages, each labelled; a village's
task from the approved plan; the acceptance totals row; one-off subsidies due on the
acceptance date."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from acceptance.models import AcceptanceKind
from subsidies import services as subsidy_services
from subsidies.models import Instalment, InstalmentItem
from subsidies.services import standards_load
from tasks.models import HouseholdStatus, PlanStatus, TownPlan
from tasks.progress import queries
from tasks.progress.reports import town_context
from tests.acceptance.conftest import accept, built_household, inspect
from tests.factories import ContractorFactory, EquipmentModelFactory
from tests.tasks.progress.conftest import add_households, plan_line

pytestmark = pytest.mark.django_db
S = HouseholdStatus

#: One household or more in every status of 洪山镇 (东村), and two withdrawn.
LEDGER = {
    S.SURVEYED: 5,
    S.CONTRACTED: 4,
    S.UNDER_CONSTRUCTION: 3,
    S.BUILT: 2,
    S.ACCEPTED: 1,
    S.WITHDRAWN: 2,
}


@pytest.fixture
def ledger(programme, town_a):
    for status, n in LEDGER.items():
        add_households(programme, town_a, status, n)


def cell(html: str, stage: str, town: str = "hongshan") -> str:
    """The text of one stage cell of a town's dashboard row."""
    row = re.search(rf'<tr data-town="{town}">(.*?)</tr>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.search(rf'stage-{stage}">(.*?)</td>', row).group(1)).strip()


def test_every_stage_counts_what_its_label_says(programme, town_a, ledger):
    counts = queries.stage_counts_by_town(programme, [town_a.pk])[town_a.pk]
    assert counts == {
        # cumulative: everyone who reached the stage
        "registered": 15,
        "contracted": 10,
        "started": 6,
        "built": 3,
        "accepted": 1,
        # current: the status today
        "surveyed": 5,
        "awaiting_start": 4,
        "under_construction": 3,
        "awaiting_acceptance": 2,
    }
    labels = {k: str(v) for k, v in queries.STAGE_LABELS.items()}
    assert labels["under_construction"] == "施工中"
    assert labels["started"] == "已开工累计"
    assert labels["contracted"] == "已签约累计"
    assert labels["awaiting_start"] == "待开工"


def test_the_dashboard_shows_both_kinds_labelled(client_for, district, programme, ledger):
    html = client_for(district).get(reverse("progress:dashboard")).content.decode()
    for label in ("累计（达到该阶段的户数，占建设任务）", "当前（今天处于该状态的户数）"):
        assert label in html
    for label in ("已登记累计", "已签约累计", "已开工累计", "已完工累计", "已验收累计"):
        assert f">{label}</th>" in html
    for label in ("待签约", "待开工", "施工中", "待验收"):
        assert f">{label}</th>" in html
    # 458 households to build in 洪山镇: cumulative figures carry their share of the task.
    assert cell(html, "started") == "6 1.3%"
    assert cell(html, "contracted") == "10 2.2%"
    assert cell(html, "under_construction") == "3"
    assert cell(html, "awaiting_start") == "4"
    assert cell(html, "awaiting_acceptance") == "2"
    assert cell(html, "surveyed") == "5"
    total = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    assert 'stage-under_construction">3</td>' in total
    assert 'stage-started">6<small class="pct"> 0.3%</small></td>' in total  # of 2198


def test_sixteen_started_and_none_under_construction_shows_zero_under_construction(
    client_for, district, programme, town_a
):
    add_households(programme, town_a, S.BUILT, 10)
    add_households(programme, town_a, S.ACCEPTED, 6)
    html = client_for(district).get(reverse("progress:dashboard")).content.decode()
    assert cell(html, "under_construction") == "0"
    assert cell(html, "started") == "16 3.5%"


def test_the_town_page_shows_the_figures_and_the_villages_against_their_task(
    client_for, official_a, programme, town_a, approved_plan_a
):
    # 太平村: the plan gives it 48 households (two routes); 100 registered, 6 built.
    plan_line(approved_plan_a, "太平村", 40)
    plan_line(approved_plan_a, "太平村", 8, route="electric")
    add_households(programme, town_a, S.BUILT, 6, village="太平村")
    add_households(programme, town_a, S.SURVEYED, 94, village="太平村")
    # 西村: households but no plan line; 北村: a plan line and nobody registered yet.
    add_households(programme, town_a, S.UNDER_CONSTRUCTION, 2, village="西村")
    plan_line(approved_plan_a, "北村", 12)
    # A draft revision's lines are not in force.
    draft = TownPlan.objects.create(
        programme=programme, town=town_a, revision=2, status=PlanStatus.DRAFT
    )
    plan_line(draft, "太平村", 500)

    rows = {v.name: v for v in queries.village_progress(programme, town_a.pk)}
    assert (rows["太平村"].task, rows["太平村"].registered) == (48, 100)
    built = next(c for c in rows["太平村"].stages() if c["key"] == "built")
    assert (built["count"], str(built["percent"])) == (6, "12.5")
    assert (rows["西村"].task, rows["西村"].registered) == (None, 2)
    assert all(c["percent"] is None for c in rows["西村"].stages())
    assert (rows["北村"].task, rows["北村"].registered) == (12, 0)

    html = client_for(official_a).get(reverse("progress:town_detail", args=["hongshan"]))
    html = html.content.decode()
    assert 'id="town-progress"' in html and 'id="village-progress"' in html
    taiping = re.search(r'<tr data-village="\d+"><td>太平村</td>(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num task">48</td>' in taiping
    assert '<td class="num registered">100</td>' in taiping
    assert re.search(r'stage-built">6 <span class="pct">12.5%</span>', taiping)
    xicun = re.search(r"<td>西村</td>(.*?)</tr>", html, re.S).group(1)
    assert '<td class="num task">—</td>' in xicun
    town_row = re.search(r'<table class="data" id="town-progress">(.*?)</table>', html, re.S)
    assert 'stage-under_construction">2</td>' in town_row.group(1)
    assert 'stage-started">8<small class="pct"> 1.7%</small>' in town_row.group(1)


def test_the_town_report_takes_the_village_task_from_the_plan(programme, town_a, approved_plan_a):
    plan_line(approved_plan_a, "太平村", 48)
    add_households(programme, town_a, S.BUILT, 6, village="太平村")
    add_households(programme, town_a, S.SURVEYED, 94, village="太平村")
    ctx = town_context(programme, town_a, annex=False)
    (taiping,) = ctx["villages"]
    assert (taiping.task, taiping.registered) == (48, 100)
    assert [(c["key"], c["count"], c["percent"] and str(c["percent"])) for c in taiping.stages()][
        :4
    ] == [("registered", 100, "208.3"), ("contracted", 6, "12.5"), ("started", 6, "12.5"),
          ("built", 6, "12.5")]  # fmt: skip


# --- the acceptance totals row ------------------------------------------------------------


def test_the_acceptance_totals_row_is_filled(
    client_for, district, official_a, programme, town_a, approved_plan_a
):
    gas = ContractorFactory(name="淄川区燃气有限公司", kind="gas")
    accepted = built_household(programme, town_a, gas)
    accept(accepted, official_a, date=timezone.localdate())
    passed = built_household(programme, town_a, gas)
    inspect(passed, official_a, AcceptanceKind.COMPLETION)
    failing = built_household(programme, town_a, gas)
    inspect(failing, official_a, AcceptanceKind.COMPLETION, result="fail")
    html = client_for(district).get(reverse("progress:dashboard")).content.decode()
    foot = re.search(r'id="acceptance-progress">.*?<tfoot>(.*?)</tfoot>', html, re.S).group(1)
    values = {
        name: re.search(rf'id="acceptance-total{name}">([^<]*)<', foot).group(1)
        for name in ("-quota", "-completion", "-rectifying", "", "-percent")
    }
    assert values == {
        "-quota": "2198",
        "-completion": "2",
        "-rectifying": "1",
        "": "1",
        "-percent": "0.0%",
    }


# --- one-off subsidies fall due on the acceptance date -------------------------------------


@pytest.fixture
def gas_household(programme, town_a, approved_plan_a):
    standards_load()
    gas = ContractorFactory(name="淄川区燃气有限公司", kind="gas")
    boiler = EquipmentModelFactory(brand="示例", model="L1PB26", price_cap="4200.00")
    return lambda: built_household(programme, town_a, gas, equipment=boiler)


def one_off_due_dates(household) -> set[datetime.date]:
    return set(
        Instalment.objects.filter(household=household, season="").values_list("due_date", flat=True)
    )


def test_one_off_subsidies_fall_due_on_the_acceptance_date_not_the_day_it_was_typed(
    gas_household, official_a
):
    accepted_on = timezone.localdate() - datetime.timedelta(days=40)
    household = gas_household()
    accept(household, official_a, date=accepted_on)  # the signal schedules the subsidies
    items = set(
        Instalment.objects.filter(household=household, season="").values_list("item", flat=True)
    )
    assert items == {InstalmentItem.CONSTRUCTION, InstalmentItem.EQUIPMENT}
    assert one_off_due_dates(household) == {accepted_on}
    # Operating instalments still fall due when their heating season opens.
    operating = Instalment.objects.filter(household=household, item=InstalmentItem.OPERATING)
    assert operating.exists()
    assert all(i.due_date == datetime.date(int(i.season[:4]), 11, 15) for i in operating)


def test_the_bulk_schedule_uses_each_households_acceptance_date(
    programme, gas_household, official_a
):
    first, second = gas_household(), gas_household()
    day_one = timezone.localdate() - datetime.timedelta(days=60)
    day_two = timezone.localdate() - datetime.timedelta(days=3)
    accept(first, official_a, date=day_one)
    accept(second, official_a, date=day_two)
    Instalment.objects.all().delete()
    assert subsidy_services.schedules_generate(programme=programme) > 0
    assert one_off_due_dates(first) == {day_one}
    assert one_off_due_dates(second) == {day_two}


def test_the_stage_labels_are_translated():
    from django.utils import translation

    with translation.override("en"):
        assert str(queries.STAGE_LABELS["under_construction"]) == "Under construction"
        assert str(queries.STAGE_LABELS["started"]) == "Started (cumulative)"
        assert str(queries.STAGE_LABELS["awaiting_start"]) == "Awaiting start"


def test_the_subsidy_overview_totals_row_is_filled_per_season(
    client_for, finance, programme, town_a, town_b
):
    from decimal import Decimal

    from tests.subsidies.helpers import accepted_household

    standards_load()
    boiler = EquipmentModelFactory(brand="示例", model="L1PB26", price_cap="4200.00")
    for town in (town_a, town_b):
        accepted_household(programme=programme, town=town, equipment=boiler)
    subsidy_services.schedules_generate(programme=programme)
    html = client_for(finance).get(reverse("subsidies:overview")).content.decode()
    foot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    cells = re.findall(r'data-season-total="\d+">([\d,.]+) 元<', foot)
    per_season = {}
    for season, amount in Instalment.objects.values_list("season", "amount"):
        per_season[season] = per_season.get(season, Decimal(0)) + amount
    expected = [per_season[s] for s in sorted(per_season)]
    assert [Decimal(c.replace(",", "")) for c in cells] == expected
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", c) for c in cells)


def test_the_household_schedule_shows_amounts_in_the_one_format(programme, town_a):
    from django.template import Context, Template

    from tests.subsidies.helpers import accepted_household

    standards_load()
    boiler = EquipmentModelFactory(brand="示例", model="L1PB26", price_cap="4200.00")
    h = accepted_household(programme=programme, town=town_a, equipment=boiler)
    subsidy_services.schedule_generate(household=h)
    html = Template("{% load subsidy_tags %}{% household_schedule h %}").render(Context({"h": h}))
    amounts = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert amounts and all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d 元", a) for a in amounts if a)
