"""Bulk status actions in memory: the same rules as one household's service, one history row
per changed household (who and why), a query count that does not grow with the selection,
all or nothing when the database refuses, and a second concurrent run changing nothing."""

import datetime
import threading

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tasks.ledger import bulk, services
from tasks.models import Household
from tests.factories import HouseholdFactory
from zichuan_heating.feedback import error_text

D = datetime.date
pytestmark = pytest.mark.django_db
POSTGRESQL = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL: row locks and concurrent connections (set DATABASE_URL)",
)


@pytest.fixture
def make_ready(programme, town_a, village_a, gas_company, gas_boiler):
    def make(n, **kw):
        fields = {"contractor": gas_company, "equipment": gas_boiler, **kw}
        return [
            HouseholdFactory(programme=programme, town=town_a, village=village_a, **fields)
            for _ in range(n)
        ]

    return make


def run(official, households, action, **params):
    qs = Household.objects.filter(pk__in=[h.pk for h in households])
    return bulk.households_bulk(households=qs, action=action, by=official, **params)


def test_each_changed_household_gets_one_history_row_with_user_reason_and_new_state(
    official_a, make_ready
):
    households = make_ready(4)
    before = {h.pk: h.history.count() for h in households}
    result = run(official_a, households, "contract", day=D(2021, 6, 1))
    assert sorted(result.done) == sorted(h.pk for h in households)
    for h in households:
        rows = h.history.order_by("history_id")
        assert rows.count() == before[h.pk] + 1
        last = rows.last()
        assert (last.history_user, last.history_change_reason, last.status) == (
            official_a,
            "签约",
            "contracted",
        )
        assert last.contract_signed_on == D(2021, 6, 1)
        fresh = Household.objects.get(pk=h.pk)
        assert (fresh.status, fresh.contract_signed_on) == ("contracted", D(2021, 6, 1))
        assert fresh.updated_at > h.updated_at  # written by the bulk update, not skipped


def test_the_bulk_rules_are_the_services_rules(official_a, make_ready, programme, town_a):
    """What one household's service refuses, the bulk action refuses with the same words."""
    ready = make_ready(1)
    early = make_ready(1)
    no_contractor = make_ready(1, contractor=None)
    result = run(official_a, [*ready, *early, *no_contractor], "contract", day=D(2021, 6, 1))
    assert result.done == [ready[0].pk, early[0].pk]
    (refusal,) = result.refused
    assert refusal.household_id == no_contractor[0].pk
    with pytest.raises(ValidationError) as refused_alone:
        services.household_contract(
            household=no_contractor[0], by=official_a, signed_on=D(2021, 6, 1)
        )
    assert error_text(refused_alone.value) == refusal.reason
    # start without an approved plan: every household refused, nothing written
    result = run(official_a, ready, "start", day=D(2021, 6, 2))
    assert result.done == [] and "尚未经区清洁取暖办核准" in result.refused[0].reason
    assert Household.objects.get(pk=ready[0].pk).status == "contracted"


def test_a_date_before_the_start_is_refused_per_household(official_a, make_ready, approved_plan_a):
    hs = make_ready(2)
    run(official_a, hs, "contract", day=D(2021, 6, 1))
    run(official_a, hs[:1], "start", day=D(2021, 6, 20))
    run(official_a, hs[1:], "start", day=D(2021, 6, 5))
    result = run(official_a, hs, "complete", day=D(2021, 6, 10))
    assert result.done == [hs[1].pk]
    assert "完工日期不能早于开工日期" in result.refused[0].reason


def test_the_query_count_does_not_grow_with_the_selection(official_a, make_ready, approved_plan_a):
    def queries(n):
        hs = make_ready(n)
        with CaptureQueriesContext(connection) as ctx:
            run(official_a, hs, "contract", day=D(2021, 6, 1))
        assert Household.objects.filter(pk__in=[h.pk for h in hs], status="contracted").count() == n
        return len(ctx)

    small, large = queries(3), queries(30)
    assert large == small, (small, large)
    assert small <= 12


def test_assigning_a_contractor_in_bulk_writes_history_only_where_it_changed(
    official_a, make_ready, gas_company, programme, town_a
):
    from tests.factories import ContractorFactory

    other = ContractorFactory(kind=gas_company.kind)
    hs = make_ready(2)
    Household.objects.filter(pk=hs[0].pk).update(contractor=other)
    before = [h.history.count() for h in hs]
    result = run(official_a, hs, "contractor", contractor=other)
    assert sorted(result.done) == sorted(h.pk for h in hs)
    assert [h.history.count() for h in hs] == [before[0], before[1] + 1]
    assert set(
        Household.objects.filter(pk__in=[h.pk for h in hs]).values_list("contractor", flat=True)
    ) == {other.pk}


@POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bulk_runs_sign_each_household_once(
    programme_data, official_a, town_a, make_ready
):
    hs = make_ready(6)
    results, barrier = [], threading.Barrier(2)

    def go():
        barrier.wait()
        try:
            results.append(run(official_a, hs, "contract", day=D(2021, 6, 1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r.done) for r in results) == [0, 6]
    assert sorted(len(r.refused) for r in results) == [0, 6]
    for h in hs:
        assert h.history.filter(history_change_reason="签约").count() == 1


@pytest.mark.parametrize("distinct", [2, services.ALIKE_GROUPS + 3])
def test_save_many_writes_each_households_values_and_one_history_row_whether_alike_or_not(
    official_a, make_ready, distinct
):
    """A few sets of new values are one UPDATE each; more are Django's bulk_update: the same
    rows and history either way."""
    from tasks.models.ledger import HouseholdReason

    households = make_ready(12)
    for i, h in enumerate(households):
        h.notes = f"备注 {i % distinct}"
    services.households_save_many(
        households, by=official_a, reason=HouseholdReason.EDIT, fields=["notes"]
    )
    stored = dict(
        Household.objects.filter(pk__in=[h.pk for h in households]).values_list("pk", "notes")
    )
    assert stored == {h.pk: f"备注 {i % distinct}" for i, h in enumerate(households)}
    for h in households:
        last = h.history.order_by("history_id").last()
        assert h.history.count() == 2  # created, then this write
        assert (last.notes, last.history_user, last.history_type, last.history_change_reason) == (
            h.notes,
            official_a,
            "~",
            "修改台账信息",
        )
