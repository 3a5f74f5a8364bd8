"""Amounts on readings (cap and floor, exact Decimals), re-pricing of unpaid instalments, and
corrections after payment: a clawback or top-up, never an edited payment."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from subsidies import services
from subsidies.metering import services as metering
from subsidies.metering.models import Adjustment, AdjustmentStatus
from subsidies.models import BatchLine, Instalment, SubsidyStandard
from subsidies.pricing import operating_amount
from tests.subsidies.helpers import pay_on_estimate
from tests.subsidies.metering.conftest import SEASON

pytestmark = pytest.mark.django_db
D = Decimal


def per_unit(rate="1.0000", cap="900.00", floor=None):
    return SubsidyStandard(
        operating_kind="per_unit",
        operating_unit_rate=D(rate),
        operating_units_per_season=D("1200"),
        operating_cap=D(cap) if cap else None,
        operating_floor=D(floor) if floor else None,
    )


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ("899.99", "899.99"),  # below the cap
        ("900.00", "900.00"),  # at the cap
        ("900.01", "900.00"),  # above the cap
        ("5000", "900.00"),
        ("150.00", "150.00"),  # at the floor
        ("149.99", "150.00"),  # below the floor: raised to it
        ("0", "150.00"),
    ],
)
def test_rate_times_usage_is_capped_and_floored(usage, expected):
    assert operating_amount(per_unit(floor="150.00"), D(usage)) == D(expected)


def test_half_a_fen_rounds_up_once_after_the_rate():
    # 1234.565 kWh is not storable, but 0.2150 × 1234.57 = 265.43255 → 265.43
    assert operating_amount(per_unit(rate="0.2150", cap=None), D("1234.57")) == D("265.43")
    assert operating_amount(per_unit(rate="0.5", cap=None), D("0.01")) == D("0.01")


def test_without_a_reading_the_approved_units_are_priced_and_fixed_standards_ignore_usage():
    assert operating_amount(per_unit()) == D("900.00")
    fixed = SubsidyStandard(operating_kind="fixed", operating_amount=D("600.00"))
    assert operating_amount(fixed, D("3.00")) == D("600.00")


def import_rows(programme, write_file, rows, season=SEASON, by=None):
    outcome = metering.readings_import_file(
        path=write_file(rows), programme=programme, season=season, by=by
    )
    assert outcome.committed, outcome.errors
    return outcome


def op(household, season=SEASON):
    return Instalment.objects.get(household=household, item="operating", season=season)


def pay_season(programme, towns, finance, finance2, season=SEASON):
    pay_on_estimate(finance, season)  # any household of the season still without a reading
    batch = services.batch_prepare(programme=programme, season=season, towns=towns, by=finance)
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance)
    return services.batch_mark_paid(
        batch=batch, reference="PZ-1", date=datetime.date(2022, 4, 1), by=finance
    )


def test_readings_for_a_draft_batch_reprice_its_lines_and_void_nothing_paid(
    programme, metered, write_file, town_a, finance, finance2
):
    pay_on_estimate(finance)  # paid on the estimate first, the readings come after
    batch = services.batch_prepare(programme=programme, season=SEASON, towns=[town_a], by=finance)
    services.batch_approve(batch=batch, by=finance2)
    import_rows(
        programme, write_file, [["G0001", "", SEASON, 0, 500, "", "2022-03-20"]], by=finance
    )
    line = BatchLine.objects.get(instalment=op(metered["g1"]))
    batch.refresh_from_db()
    assert (line.amount, op(metered["g1"]).previous_amount) == (D("500.00"), D("900.00"))
    assert batch.state == "draft"  # the approval was voided by the change
    assert batch.total_amount == D("14600.00")  # 2 × 6700 + 1600 (electric) − 400


def test_a_correction_after_payment_opens_a_clawback_and_never_edits_the_payment(
    programme, metered, write_file, town_a, finance, finance2
):
    import_rows(programme, write_file, [["G0001", "", SEASON, 0, 800, "", "2022-03-20"]])
    pay_season(programme, [town_a], finance, finance2)
    paid = op(metered["g1"])
    line = BatchLine.objects.get(instalment=paid, state="paid")
    assert (paid.status, paid.amount, line.amount) == ("paid", D("800.00"), D("800.00"))
    # The gas company corrects the reading: only 500 m³ were used.
    outcome = import_rows(programme, write_file, [["G0001", "", SEASON, 0, 500, "", "2022-03-21"]])
    paid.refresh_from_db()
    line.refresh_from_db()
    assert (paid.status, paid.amount, paid.previous_amount, line.amount) == (
        "paid",
        D("800.00"),
        D("900.00"),  # as the first reading left it, before the payment
        D("800.00"),
    )
    adj = Adjustment.objects.get()
    assert (adj.kind, adj.amount, adj.paid_amount, adj.corrected_amount, adj.status) == (
        "clawback",
        D("300.00"),
        D("800.00"),
        D("500.00"),
        "owed",
    )
    assert adj.reading_import == outcome.record
    # The same correction again opens nothing more; a further one opens only the rest.
    import_rows(programme, write_file, [["G0001", "", SEASON, 0, 500, "", "2022-03-21"]])
    assert Adjustment.objects.count() == 1
    import_rows(programme, write_file, [["G0001", "", SEASON, 0, 1000, "", "2022-03-21"]])
    top_up = Adjustment.objects.order_by("-id").first()
    assert (top_up.kind, top_up.amount, top_up.corrected_amount) == (
        "top_up",
        D("400.00"),
        D("900.00"),
    )  # 900 due (cap) − 800 paid + 300 clawed back = 400


def test_a_clawback_is_recovered_or_offset_against_the_next_season(
    programme, metered, write_file, town_a, finance, finance2
):
    import_rows(
        programme,
        write_file,
        [
            ["G0001", "", SEASON, 0, 800, "", "2022-03-20"],
            ["G0002", "", SEASON, 0, 800, "", "2022-03-20"],
        ],
    )
    pay_season(programme, [town_a], finance, finance2)
    import_rows(
        programme,
        write_file,
        [
            ["G0001", "", SEASON, 0, 500, "", "2022-03-21"],
            ["G0002", "", SEASON, 0, 700, "", "2022-03-21"],
        ],
    )
    first, second = Adjustment.objects.order_by("household_id")
    with pytest.raises(ValidationError):
        metering.adjustment_settle(adjustment=first, reference=" ", by=finance)
    metering.adjustment_settle(adjustment=first, reference="追缴-001", by=finance)
    first.refresh_from_db()
    assert (first.status, first.reference, first.settled_by) == ("settled", "追缴-001", finance)
    assert first.history.count() == 2
    metering.adjustment_offset(adjustment=second, by=finance)
    second.refresh_from_db()
    following = op(metered["g2"], "2022-2023")
    assert (second.status, second.offset_instalment) == (AdjustmentStatus.OFFSET, following)
    assert (following.amount, following.previous_amount) == (D("800.00"), D("900.00"))
    # A reading for the next season prices it and keeps the offset: 850 − 100.
    import_rows(
        programme,
        write_file,
        [["G0002", "", "2022-2023", 800, 1650, "", "2023-03-20"]],
        season="2022-2023",
    )
    assert op(metered["g2"], "2022-2023").amount == D("750.00")
    with pytest.raises(ValidationError):
        metering.adjustment_offset(adjustment=second, by=finance)


def test_a_new_standard_version_keeps_pricing_on_readings(
    programme, metered, write_file, standards, finance
):
    import_rows(programme, write_file, [["G0001", "", SEASON, 0, 500, "", "2022-03-20"]])
    services.standard_change(
        standard=standards["gas"],
        by=finance,
        effective_from=datetime.date(2022, 1, 1),
        operating_unit_rate=D("1.5000"),
    )
    assert op(metered["g1"]).amount == D("750.00")  # 500 × 1.5, not the estimate
    assert op(metered["g2"]).amount == D("900.00")  # no reading: 1200 × 1.5 capped
