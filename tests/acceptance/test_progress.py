"""Each household's acceptance progress (kept by the database: acceptance/progress_sql.py)
equals what its records say, recounted from scratch, after every kind of write to the records
and the rectifications, and the progress tally equals the built households counted by it;
a write of the column from outside the triggers changes nothing."""

import datetime
from collections import Counter

import pytest

from acceptance.models import Acceptance, ProgressTally
from acceptance.queries import AcceptanceState, acceptance_state
from acceptance.services import acceptance_revoke
from tasks.models import Household, HouseholdStatus
from tests.acceptance.conftest import (
    built_household,
    inspect,
    progress_from_records,
    rectify,
    state_from_records,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2021, 9, 1)


def _check(households):
    for h in households:
        stored = Household.objects.get(pk=h.pk).acceptance_progress
        assert stored == progress_from_records(h.pk), h
        assert acceptance_state(h) == state_from_records(h)
    tallied = Counter(
        {
            (v, p): n
            for v, p, n in ProgressTally.objects.filter(n__gt=0).values_list(
                "village_id", "progress", "n"
            )
        }
    )
    counted = Counter(
        (h.village_id, h.acceptance_progress)
        for h in Household.objects.filter(status=HouseholdStatus.BUILT)
    )
    assert tallied == counted


def test_every_write_of_the_records_keeps_the_progress(
    programme, town_a, approved_plan_a, gas_contractor, official_a, district
):
    a, b, c = (built_household(programme, town_a, gas_contractor) for _ in range(3))
    _check([a, b, c])
    assert acceptance_state(a) == AcceptanceState.AWAITING_COMPLETION

    failed = inspect(a, official_a, "completion", result="fail", date=DAY)
    _check([a, b, c])
    assert acceptance_state(a) == AcceptanceState.RECTIFYING

    rectify(failed, official_a, date=DAY)
    _check([a, b, c])
    assert acceptance_state(a) == AcceptanceState.AWAITING_REINSPECTION

    inspect(a, official_a, "completion", date=DAY + datetime.timedelta(days=1))
    inspect(b, official_a, "completion", date=DAY)
    _check([a, b, c])
    assert acceptance_state(a) == acceptance_state(b) == AcceptanceState.AWAITING_COMMISSIONING

    commissioning = inspect(b, official_a, "commissioning", date=DAY)
    _check([a, b, c])
    assert acceptance_state(b) == AcceptanceState.ACCEPTED

    acceptance_revoke(acceptance=commissioning, by=district, reason="资料不实")
    _check([a, b, c])
    assert acceptance_state(b) == AcceptanceState.AWAITING_COMMISSIONING

    # Rows no service writes: a record created directly, one edited, one deleted.
    record = Acceptance.objects.create(
        household=c,
        kind="completion",
        date=DAY,
        result="fail",
        defects="燃气报警器未安装",
        rectification_deadline=DAY + datetime.timedelta(days=7),
        recorded_by=official_a,
    )
    _check([a, b, c])
    assert acceptance_state(c) == AcceptanceState.RECTIFYING
    later = DAY + datetime.timedelta(days=2)  # after a's completion pass: a's latest
    Acceptance.objects.filter(pk=record.pk).update(household=a, date=later)
    _check([a, b, c])
    assert acceptance_state(a) == AcceptanceState.RECTIFYING
    assert acceptance_state(c) == AcceptanceState.AWAITING_COMPLETION
    Acceptance.objects.filter(pk=record.pk).delete()
    _check([a, b, c])
    assert acceptance_state(a) == AcceptanceState.AWAITING_COMMISSIONING


def test_the_column_is_written_by_the_triggers_only(
    programme, town_a, approved_plan_a, gas_contractor, official_a
):
    stale = built_household(programme, town_a, gas_contractor)
    inspect(stale, official_a, "completion", result="fail", date=DAY)
    # A whole-row save of an instance read before the inspection, an update of the column,
    # and a move out of and back into "built" keep what the records say.
    stale.notes = "电话回访"
    stale.save()
    Household.objects.filter(pk=stale.pk).update(acceptance_progress="awaiting_commissioning")
    _check([stale])
    assert acceptance_state(stale) == AcceptanceState.RECTIFYING
    Household.objects.filter(pk=stale.pk).update(status=HouseholdStatus.UNDER_CONSTRUCTION)
    _check([stale])
    Household.objects.filter(pk=stale.pk).update(status=HouseholdStatus.BUILT)
    _check([stale])
    assert acceptance_state(stale) == AcceptanceState.RECTIFYING
