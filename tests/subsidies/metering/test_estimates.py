"""A per-unit season without its reading is an estimate (估算): held out of the batches and of
adding a line, with the reason on the preview, until the reading arrives (which prices it) or
the finance bureau decides, with a reason, to pay it on the estimate. Fixed amounts never wait."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from subsidies import queries, services
from subsidies.metering import estimates
from subsidies.metering.models import EstimateDecision
from subsidies.models import Instalment
from tests.subsidies.helpers import accepted_household
from tests.subsidies.metering.conftest import SEASON

pytestmark = pytest.mark.django_db
D = Decimal


def op(household, season=SEASON):
    return Instalment.objects.get(household=household, item="operating", season=season)


def pooled_operating(programme, towns):
    return set(
        queries.pool(programme=programme, season=SEASON, towns=towns)
        .filter(item="operating")
        .values_list("household_id", flat=True)
    )


def import_reading(programme, write_file, number, usage, by):
    from subsidies.metering import services as metering

    outcome = metering.readings_import_file(
        path=write_file([[number, "", SEASON, 0, usage, "", "2022-03-20"]]),
        programme=programme,
        season=SEASON,
        by=by,
    )
    assert outcome.committed, outcome.errors


def test_without_a_reading_the_operating_instalment_waits_and_one_off_items_still_pay(
    programme, metered, town_a, finance
):
    assert pooled_operating(programme, [town_a]) == set()
    summary = queries.pool_summary(programme=programme, season=SEASON, towns=[town_a])
    assert [r["item"] for r in summary["rows"]] == ["construction", "equipment"]
    assert summary["held"] == {
        "awaiting_households": 3,  # g1, g2 (gas) and e1 (electric) of town_a
        "awaiting_count": 3,
        "awaiting_total": D("2400.00"),  # 900 + 900 (gas cap) + 600 (electric cap), estimated
        "flagged_households": 0,
    }
    batch = services.batch_prepare(programme=programme, season=SEASON, towns=[town_a], by=finance)
    assert not batch.lines.filter(instalment__item="operating").exists()
    assert op(metered["g1"]).status == "scheduled"
    with pytest.raises(ValidationError, match="待抄表"):
        services.batch_line_add(batch=batch, instalment=op(metered["g1"]), by=finance)


def test_the_preview_says_how_many_households_wait_for_readings(
    programme, metered, town_a, finance, client_for
):
    url = reverse("subsidies:batch_prepare")
    page = client_for(finance).get(url, {"season": SEASON, "towns": [town_a.pk]})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="preview-awaiting"' in text
    assert "3 户待抄表（3 笔运行费用补贴，按标准用量估算共 2,400.00 元）" in text


def test_a_reading_prices_the_season_and_releases_it(
    programme, metered, write_file, town_a, finance
):
    import_reading(programme, write_file, "G0001", 500, finance)
    g1 = op(metered["g1"])
    assert (g1.amount, g1.previous_amount) == (D("500.00"), D("900.00"))
    assert pooled_operating(programme, [town_a]) == {metered["g1"].pk}
    held = queries.held_out(programme=programme, season=SEASON, towns=[town_a])
    assert (held["awaiting_households"], held["awaiting_total"]) == (2, D("1500.00"))
    batch = services.batch_prepare(programme=programme, season=SEASON, towns=[town_a], by=finance)
    assert batch.lines.get(instalment=g1).amount == D("500.00")


def test_finance_decides_to_pay_the_estimate_with_a_reason_and_history(
    programme, metered, town_a, finance
):
    g2 = op(metered["g2"])
    n = estimates.estimates_pay(instalment_ids=[g2.pk], reason="燃气公司数据延迟", by=finance)
    assert n == 1
    decision = EstimateDecision.objects.get(instalment=g2)
    assert (decision.reason, decision.decided_by) == ("燃气公司数据延迟", finance)
    record = decision.history.get()
    assert (record.history_user, record.history_change_reason) == (finance, "决定按估算发放")
    assert pooled_operating(programme, [town_a]) == {metered["g2"].pk}
    batch = services.batch_prepare(programme=programme, season=SEASON, towns=[town_a], by=finance)
    assert batch.lines.get(instalment=g2).amount == D("900.00")  # the estimate, to the fen


def test_the_decision_is_refused_without_reason_permission_or_a_waiting_instalment(
    programme, metered, write_file, town_a, finance, official_a
):
    g1, g2 = op(metered["g1"]), op(metered["g2"])
    with pytest.raises(ValidationError, match="理由"):
        estimates.estimates_pay(instalment_ids=[g1.pk], reason="  ", by=finance)
    with pytest.raises(PermissionDenied):
        estimates.estimates_pay(instalment_ids=[g1.pk], reason="x", by=official_a)
    import_reading(programme, write_file, "G0001", 500, finance)  # g1 is no longer an estimate
    with pytest.raises(ValidationError, match="有 1 笔已不在待抄表状态"):
        estimates.estimates_pay(instalment_ids=[g1.pk, g2.pk], reason="x", by=finance)
    assert not EstimateDecision.objects.exists()  # all or nothing
    # A one-off item is never an estimate.
    construction = Instalment.objects.get(household=metered["g2"], item="construction")
    with pytest.raises(ValidationError):
        estimates.estimates_pay(instalment_ids=[construction.pk], reason="x", by=finance)


def test_fixed_amount_standards_never_wait(programme, standards, town_a, finance):
    central = accepted_household(programme=programme, town=town_a, route="central")
    services.schedules_generate(programme=programme)
    assert pooled_operating(programme, [town_a]) == {central.pk}
    held = queries.held_out(programme=programme, season=SEASON, towns=[town_a])
    assert held["awaiting_count"] == 0


def test_the_pages_show_the_estimate_and_finance_decides_there(
    programme, metered, town_a, finance, official_a, client_for
):
    g1 = op(metered["g1"])
    page = client_for(finance).get(reverse("subsidies:household_schedule", args=[metered["g1"].pk]))
    assert "data-estimated" in page.content.decode() and "待抄表" in page.content.decode()
    url = reverse("subsidies:estimate_list")
    listing = client_for(finance).get(url, {"season": SEASON})
    assert f'data-instalment="{g1.pk}"' in listing.content.decode()
    assert "待抄表 4 户，4 笔" in listing.content.decode()  # g1, g2, e1 and g3 (town_b)
    assert client_for(official_a).get(url).status_code == 403
    refused = client_for(finance).post(url, {"instalment": [g1.pk], "confirm": "on"})
    assert "请填写按估算发放的理由" in refused.content.decode()
    done = client_for(finance).post(
        url, {"instalment": [g1.pk], "reason": "先行发放", "confirm": "on"}, follow=True
    )
    assert "已决定按估算发放 1 笔" in done.content.decode()
    assert EstimateDecision.objects.get().instalment == g1
    page = client_for(finance).get(reverse("subsidies:household_schedule", args=[metered["g1"].pk]))
    assert "已决定按估算发放" in page.content.decode()
