"""Schedules: generation is idempotent, revocation/withdrawal cancel what is unpaid, and a
changed standard re-prices unpaid instalments only, keeping the old amount visible."""

import datetime
from decimal import Decimal

import pytest

from subsidies import services
from subsidies.models import (
    BatchState,
    Instalment,
    InstalmentStatus,
    LineState,
    SubsidyEvent,
    SubsidyStandard,
)
from tasks.ledger.signals import (
    household_acceptance_revoked,
    household_accepted,
    household_withdrawn,
)
from tasks.models import Route
from tests.factories import HouseholdFactory
from tests.subsidies.helpers import pay_on_estimate

pytestmark = pytest.mark.django_db


def test_generating_twice_creates_nothing_new(programme, make_accepted, town_a, town_b):
    make_accepted(town_a)
    make_accepted(town_b, route=Route.CENTRAL, equipment=None)
    HouseholdFactory(programme=programme, town=town_a, status="built")  # not accepted
    assert services.schedules_generate(programme=programme) == 8 + 7
    assert services.schedules_generate(programme=programme) == 0
    assert Instalment.objects.count() == 15
    assert SubsidyEvent.objects.filter(action="schedules_generated").count() == 2


def test_single_and_bulk_generation_agree(programme, make_accepted, town_a):
    one = make_accepted(town_a)
    assert services.schedule_generate(household=one) == 8
    assert services.schedule_generate(household=one) == 0
    two = make_accepted(town_a)
    assert services.schedules_generate(programme=programme) == 8
    amounts = lambda h: list(  # noqa: E731
        h.instalments.order_by("item", "season").values_list("item", "season", "amount", "due_date")
    )
    assert [a[:3] for a in amounts(one)] == [a[:3] for a in amounts(two)]


def test_a_household_not_accepted_gets_no_schedule(programme, standards, town_a):
    h = HouseholdFactory(programme=programme, town=town_a, status="built")
    with pytest.raises(Exception, match="尚未通过验收"):
        services.schedule_generate(household=h)
    assert not Instalment.objects.exists()


def test_the_accepted_signal_creates_the_schedule(programme, make_accepted, town_a, finance):
    h = make_accepted(town_a)
    household_accepted.send(sender=None, household=h, by=finance)
    assert h.instalments.count() == 8
    household_accepted.send(sender=None, household=h, by=finance)
    assert h.instalments.count() == 8


def _pay_first_batch(programme, town, finance, finance2):
    pay_on_estimate(finance, "2021-2022")
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town], by=finance
    )
    services.batch_approve(batch=batch, by=finance2)
    services.batch_mark_exported(batch=batch, by=finance2)
    services.batch_mark_paid(
        batch=batch, reference="ZF001", date=datetime.date(2021, 12, 1), by=finance
    )
    return batch


@pytest.mark.parametrize("signal", ["revoked", "withdrawn"])
def test_revocation_or_withdrawal_cancels_unpaid_and_keeps_paid(
    signal, programme, make_accepted, town_a, finance, finance2, district
):
    h = make_accepted(town_a)
    services.schedule_generate(household=h)
    _pay_first_batch(programme, town_a, finance, finance2)
    paid_before = set(h.instalments.filter(status="paid").values_list("id", "amount"))
    assert len(paid_before) == 3  # construction, equipment, 2021-2022
    if signal == "revoked":
        h.status = "built"
        h.save()
        household_acceptance_revoked.send(
            sender=None, household=h, by=district, reason="复查不合格"
        )
    else:
        h.status, h.withdrawal_reason = "withdrawn", "搬迁"
        h.save()
        household_withdrawn.send(sender=None, household=h, by=district, reason="搬迁")
    assert set(h.instalments.filter(status="paid").values_list("id", "amount")) == paid_before
    cancelled = h.instalments.filter(status="cancelled")
    assert cancelled.count() == 5
    assert all(r for r in cancelled.values_list("cancel_reason", flat=True))
    assert not h.instalments.filter(status__in=["scheduled", "batched"]).exists()


def test_cancelling_pulls_the_instalment_out_of_an_approved_batch(
    programme, make_accepted, town_a, finance, finance2, district
):
    h1, h2 = make_accepted(town_a), make_accepted(town_a)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    batch = services.batch_prepare(
        programme=programme, season="2021-2022", towns=[town_a], by=finance
    )
    services.batch_approve(batch=batch, by=finance2)
    assert batch.total_amount == Decimal("13400.00")
    household_withdrawn.send(sender=None, household=h1, by=district, reason="搬迁")
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT and batch.approved_by is None
    assert batch.total_amount == Decimal("6700.00")
    assert batch.lines.filter(state=LineState.FAILED).count() == 3
    assert set(h2.instalments.values_list("status", flat=True)) == {"batched", "scheduled"}


def test_a_changed_standard_reprices_unpaid_only_with_the_difference_visible(
    programme, make_accepted, town_a, finance, finance2, standards
):
    h = make_accepted(town_a)
    other = make_accepted(town_a, route=Route.CENTRAL, equipment=None)
    services.schedules_generate(programme=programme)
    pay_on_estimate(finance)
    _pay_first_batch(programme, town_a, finance, finance2)
    central_before = list(other.instalments.values_list("id", "amount", "status"))
    new, n = services.standard_change(
        standard=standards["gas"],
        by=finance,
        effective_from=datetime.date(2022, 6, 1),
        operating_cap=Decimal("1000.00"),
    )
    assert new.version == 2 and n == 5
    assert SubsidyStandard.objects.filter(route="gas").count() == 2
    paid = h.instalments.filter(status="paid").order_by("item")
    assert list(paid.values_list("amount", "previous_amount")) == [
        (Decimal("3000.00"), None),
        (Decimal("2800.00"), None),
        (Decimal("900.00"), None),
    ]
    unpaid = h.instalments.filter(status="scheduled")
    assert unpaid.count() == 5
    for inst in unpaid:
        assert (inst.amount, inst.previous_amount, inst.difference) == (
            Decimal("1000.00"),
            Decimal("900.00"),
            Decimal("100.00"),
        )
        assert inst.standard == new
    assert list(other.instalments.values_list("id", "amount", "status")) == central_before
    event = SubsidyEvent.objects.get(action="standard_changed")
    assert (event.count, event.amount) == (5, Decimal("500.00"))


def test_reaccepting_a_revoked_household_reinstates_its_unpaid_instalments(
    programme, make_accepted, town_a, district
):
    h = make_accepted(town_a)
    services.schedule_generate(household=h)
    household_acceptance_revoked.send(sender=None, household=h, by=district, reason="复查")
    assert h.instalments.filter(status=InstalmentStatus.CANCELLED).count() == 8
    household_accepted.send(sender=None, household=h, by=district)
    assert h.instalments.filter(status=InstalmentStatus.SCHEDULED).count() == 8
    assert h.instalments.count() == 8


def test_repricing_counts_an_instalment_once_even_after_failed_lines(
    programme, make_accepted, town_a, finance, finance2, standards
):
    h = make_accepted(town_a)
    services.schedule_generate(household=h)
    for _ in range(2):  # two batches whose lines for h's instalments both failed
        batch = services.batch_prepare(
            programme=programme, season="2021-2022", towns=[town_a], by=finance
        )
        for line in batch.lines.all():
            services.line_mark_failed(line=line, reason="退回", by=finance)
    _new, n = services.standard_change(
        standard=standards["gas"],
        by=finance,
        effective_from=datetime.date(2022, 6, 1),
        construction_amount=Decimal("3100.00"),
    )
    inst = h.instalments.get(item="construction")
    assert (n, inst.amount, inst.previous_amount) == (1, Decimal("3100.00"), Decimal("3000.00"))
