"""Fund shares per standard version (sum 100 %, split exact to the fen), what each source
pays in a batch, and the budget execution (预算执行)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from subsidies import services
from subsidies.money import ZERO
from subsidies.payments.models import FundShare
from subsidies.payments.queries import (
    batch_by_source,
    budget_execution,
    shares_by_standard,
    split_amount,
)
from subsidies.payments.services import fund_budget_set, fund_shares_set
from tests.subsidies.helpers import pay_on_estimate
from tests.subsidies.payments.helpers import approved_batch

D = Decimal
THIRDS = [("central", D("33.34")), ("provincial", D("33.33")), ("district", D("33.33"))]


def test_a_split_sums_exactly_to_the_amount():
    assert split_amount(D("100.00"), THIRDS) == {
        "central": D("33.34"),
        "provincial": D("33.33"),
        "district": D("33.33"),
    }
    parts = split_amount(D("0.01"), THIRDS)
    assert parts == {"central": D("0.01"), "provincial": D("0"), "district": D("0")}
    assert split_amount(D("5.00"), []) == {"": D("5.00")}


@given(
    st.decimals(min_value=0, max_value=10**8, places=2),
    st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=4),
)
def test_any_split_sums_exactly_and_each_part_is_within_a_fen_of_its_share(amount, weights):
    total = sum(weights)
    pcts = [D(w * 100) / total for w in weights]
    pcts = [p.quantize(D("0.01")) for p in pcts]
    pcts[0] += D(100) - sum(pcts)
    shares = [(f"s{i}", p) for i, p in enumerate(pcts)]
    parts = split_amount(amount, shares)
    assert sum(parts.values(), ZERO) == amount
    for source, pct in shares:
        assert abs(parts[source] - amount * pct / 100) < D("0.01")


@pytest.mark.django_db
def test_shares_must_sum_to_100_and_only_finance_sets_them(standards, finance, official_a):
    gas = standards["gas"]
    with pytest.raises(ValidationError, match="之和应为 100%，现为 90%"):
        fund_shares_set(standard=gas, shares={"central": D(60), "district": D(30)}, by=finance)
    with pytest.raises(PermissionDenied):
        fund_shares_set(standard=gas, shares={"central": D(100)}, by=official_a)
    fund_shares_set(standard=gas, shares={"central": D(60), "district": D(40)}, by=finance)
    fund_shares_set(
        standard=gas, shares={"central": D(50), "provincial": D(20), "district": D(30)}, by=finance
    )
    assert dict(FundShare.objects.filter(standard=gas).values_list("source", "percent")) == {
        "central": D("50.00"),
        "provincial": D("20.00"),
        "district": D("30.00"),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        FundShare.objects.create(standard=gas, source="municipal", percent=D("-1"))


@pytest.mark.django_db
def test_a_new_standard_version_takes_the_shares_of_the_last_version_that_has_them(
    standards, finance
):
    gas = standards["gas"]
    fund_shares_set(standard=gas, shares={"central": D(70), "district": D(30)}, by=finance)
    new, _n = services.standard_change(
        standard=gas, by=finance, effective_from=gas.effective_from, operating_amount=D("950")
    )
    assert shares_by_standard({new.pk})[new.pk] == [
        ("central", D("70.00")),
        ("district", D("30.00")),
    ]


@pytest.fixture
def funded_batch(programme, standards, make_accepted, town_a, finance, finance2):
    for route, shares in (
        ("gas", {"central": D("33.34"), "provincial": D("33.33"), "district": D("33.33")}),
        ("central", {"municipal": D(40), "district": D(60)}),
    ):
        fund_shares_set(standard=standards[route], shares=shares, by=finance)
    make_accepted(town_a)
    make_accepted(town_a)
    make_accepted(town_a, route="central", equipment=None)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    return approved_batch(programme, [town_a], finance, finance2)


@pytest.mark.django_db
def test_a_batch_shows_what_each_source_pays_summing_to_its_total(funded_batch):
    rows = {r["source"]: r["amount"] for r in batch_by_source(funded_batch)}
    assert sum(rows.values(), ZERO) == funded_batch.total_amount
    expected = {s: ZERO for s in ("central", "provincial", "municipal", "district")}
    for line in funded_batch.lines.select_related("instalment__household"):
        shares = shares_by_standard({line.instalment.standard_id})[line.instalment.standard_id]
        for source, part in split_amount(line.amount, shares).items():
            expected[source] += part
    assert rows == expected
    assert rows["municipal"] > 0 and rows["central"] > 0


@pytest.mark.django_db
def test_the_budget_execution_per_source_and_season(programme, funded_batch, finance, finance2):
    fund_budget_set(
        programme=programme, season="2021-2022", source="district", amount=D("5000"), by=finance
    )
    with pytest.raises(ValidationError, match="不在本年度补贴期内"):
        fund_budget_set(
            programme=programme, season="2031-2032", source="district", amount=D(1), by=finance
        )
    services.batch_mark_exported(batch=funded_batch, by=finance)
    services.batch_mark_paid(
        batch=funded_batch, reference="ZC1", date=funded_batch.prepared_at.date(), by=finance
    )
    rows = {(r["season"], r["source"]): r for r in budget_execution(programme)}
    paid_season = funded_batch.lines.filter(instalment__season="2021-2022")
    district_paid = sum(
        (
            split_amount(
                ln.amount,
                shares_by_standard({ln.instalment.standard_id})[ln.instalment.standard_id],
            ).get("district", ZERO)
            for ln in paid_season.select_related("instalment")
        ),
        ZERO,
    )
    r = rows[("2021-2022", "district")]
    assert r["paid"] == district_paid > 0
    assert r["committed"] == ZERO
    assert r["budget"] == D("5000.00") and r["balance"] == D("5000.00") - district_paid
    later = rows[("2022-2023", "district")]
    assert later["paid"] == ZERO and later["committed"] > 0 and not later["has_budget"]
    assert later["balance"] == -later["committed"]
    one_off = rows[("", "central")]
    assert one_off["paid"] > 0
