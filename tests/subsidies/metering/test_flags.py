"""Usage flags: near-zero or implausibly high usage flags the household, holds it out of the
season's batches until someone decides with a reason; the town decides its own only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from subsidies import services
from subsidies.metering import services as metering
from subsidies.metering.models import UsageFlag
from subsidies.models import Instalment
from tests.subsidies.metering.conftest import SEASON

pytestmark = pytest.mark.django_db


def flagged(programme, metered, write_file, finance):
    rows = [
        ["G0001", "", SEASON, 100, 110, "", "2022-03-20"],  # 10 m³: near zero
        ["G0002", "", SEASON, 0, 800, "", "2022-03-20"],  # normal
        ["E0001", "", SEASON, 0, 40000, "", "2022-03-20"],  # implausibly high
    ]
    outcome = metering.readings_import_file(
        path=write_file(rows), programme=programme, season=SEASON, by=finance
    )
    assert outcome.committed and outcome.record.flags == 2
    return {f.household_id: f for f in UsageFlag.objects.all()}


def test_low_and_high_usage_raise_one_flag_each_once(programme, metered, write_file, finance):
    flags = flagged(programme, metered, write_file, finance)
    low, high = flags[metered["g1"].pk], flags[metered["e1"].pk]
    assert (low.kind, low.status, str(low.usage)) == ("low", "open", "10.00")
    assert (high.kind, str(high.threshold)) == ("high", "15000.00")
    # the same file again raises nothing new
    flagged_again = metering.readings_import_file(
        path=write_file([["G0001", "", SEASON, 100, 110, "", "2022-03-20"]]),
        programme=programme,
        season=SEASON,
    )
    assert flagged_again.record is None or flagged_again.record.flags == 0
    assert UsageFlag.objects.count() == 2


def test_a_flagged_household_is_held_out_of_the_batch_until_released(
    programme, metered, write_file, finance, official_a, official_b, town_a
):
    flags = flagged(programme, metered, write_file, finance)
    batch = services.batch_prepare(programme=programme, season=SEASON, towns=[town_a], by=finance)
    in_batch = set(batch.lines.values_list("instalment__household_id", flat=True))
    assert in_batch == {metered["g2"].pk}
    held = Instalment.objects.get(household=metered["g1"], item="operating", season=SEASON)
    assert held.status == "scheduled"
    with pytest.raises(ValidationError, match="用量异常"):
        services.batch_line_add(batch=batch, instalment=held, by=finance)
    low = flags[metered["g1"].pk]
    with pytest.raises(ValidationError):
        metering.flag_decide(flag=low, decision="release", reason="  ", by=official_a)
    with pytest.raises(PermissionDenied):
        metering.flag_decide(flag=low, decision="release", reason="入户核实", by=official_b)
    metering.flag_decide(
        flag=low, decision="release", reason="入户核实：冬季外出务工", by=official_a
    )
    low.refresh_from_db()
    assert (low.status, low.decided_by, low.decision_reason) == (
        "released",
        official_a,
        "入户核实：冬季外出务工",
    )
    assert low.history.count() == 2
    services.batch_line_add(batch=batch, instalment=held, by=finance)
    # a withheld household stays out
    high = flags[metered["e1"].pk]
    metering.flag_decide(flag=high, decision="withhold", reason="疑似转供他用", by=finance)
    second = services.batch_prepare(programme=programme, season=SEASON, towns=[town_a], by=finance)
    assert not second.lines.filter(instalment__household=metered["e1"]).exists()
    with pytest.raises(ValidationError):
        metering.flag_decide(flag=high, decision="withhold", reason="again", by=finance)
