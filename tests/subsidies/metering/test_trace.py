"""The trace's reading step: a metered operating instalment shows the readings it was priced
on, who imported them and when; everything else keeps the pricing basis."""

from decimal import Decimal

import pytest

from subsidies.metering import services as metering
from subsidies.metering.models import UsageFlag
from subsidies.payments import trace
from tests.subsidies.metering.conftest import SEASON
from tests.subsidies.metering.test_amounts_and_adjustments import import_rows

pytestmark = pytest.mark.django_db


def test_a_metered_season_shows_its_readings_and_min_of_rate_times_usage_and_cap(
    programme, metered, write_file, finance, django_assert_max_num_queries
):
    g1, e1 = metered["g1"], metered["e1"]
    rows = [
        ("G0001", g1.id_number, SEASON, 100, 1600, 1500, "2022-03-16"),
        ("E0001", e1.id_number, SEASON, 0, 2000, 2000, "2022-03-16"),
    ]
    record = import_rows(programme, write_file, rows, by=finance).record
    with django_assert_max_num_queries(12):  # the readings load once for the eight chains
        chains = trace.chains(g1)
    by_season = {(c["instalment"].item, c["instalment"].season): c for c in chains}
    steps = {s.key: s for s in by_season[("operating", SEASON)]["steps"]}
    assert list(steps) == ["standard", "reading", "instalment", "batch"]
    reading = steps["reading"]
    assert reading.summary == "按抄表用量：1 元/立方米 × 用量 1500.00，上限 900.00 元"
    assert reading.who == finance and reading.when == record.at
    facts = {str(k): v for k, v in reading.facts}
    assert facts["表号（户号）"] == (
        "G0001：起始读数 100.00，截止读数 1600.00，用量 1500.00，抄表日期 2022-03-16"
    )
    assert facts["按读数计得"] == "900.00" and facts["来源"].startswith("文件导入")
    # a season without a reading and the one-off items keep the pricing basis
    assert [s.key for s in by_season[("operating", "2022-2023")]["steps"]][1] == "basis"
    assert [s.key for s in by_season[("construction", "")]["steps"]][1] == "basis"
    (electric,) = [c for c in trace.chains(e1) if c["instalment"].season == SEASON]
    step = electric["steps"][1]
    assert step.key == "reading" and dict((str(k), v) for k, v in step.facts)["按读数计得"] == (
        "400.00"
    )
    assert by_season[("operating", SEASON)]["instalment"].amount == Decimal("900.00")


def test_the_reading_step_shows_the_usage_flag_and_its_decision(
    programme, metered, write_file, finance, official_a
):
    g2 = metered["g2"]
    import_rows(programme, write_file, [("G0002", g2.id_number, SEASON, 5, 15, 10, "2022-03-16")])
    flag = UsageFlag.objects.get(household=g2, season=SEASON)
    metering.flag_decide(flag=flag, decision="release", reason="外出务工，房屋空置", by=official_a)
    (chain,) = [c for c in trace.chains(g2) if c["instalment"].season == SEASON]
    facts = dict((str(k), v) for k, v in chain["steps"][1].facts)
    assert facts["用量异常"].startswith("用量过低（疑似返煤） · 核实无误，放行 · official_a · ")
    assert facts["用量异常"].endswith(" · 外出务工，房屋空置")
    assert facts["按读数计得"] == "10.00"
