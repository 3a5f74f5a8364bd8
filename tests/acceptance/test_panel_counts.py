"""The dashboard's acceptance counts, read from the records, equal a recount household by
household after random inspections, failures, rectifications, acceptances and revocations."""

import datetime
import random

from django.core.exceptions import ValidationError

from acceptance.models import AcceptanceKind, AcceptanceResult
from acceptance.queries import (
    acceptance_milestone,
    acceptance_progress_by_town,
    accepted_households,
    commissioning_pass,
    latest_valid_record,
)
from acceptance.services import acceptance_revoke
from tasks.models import Household, HouseholdStatus, Quota
from tests.acceptance.conftest import built_household, inspect, rectify

COMPLETION = AcceptanceKind.COMPLETION
COMMISSIONING = AcceptanceKind.COMMISSIONING


def _recount(programme, town) -> tuple[int, int, int]:
    """(accepted, completion passed, in rectification), one household at a time."""
    accepted = completion = rectifying = 0
    for h in Household.objects.filter(programme=programme, town=town):
        records = h.acceptances.filter(revoked=False, result=AcceptanceResult.PASS)
        if h.status == HouseholdStatus.ACCEPTED and commissioning_pass(h):
            accepted += 1
        if h.status in (HouseholdStatus.BUILT, HouseholdStatus.ACCEPTED) and records.filter(
            kind=COMPLETION
        ):
            completion += 1
        latest = latest_valid_record(h)
        if h.status == HouseholdStatus.BUILT and latest and latest.result == "fail":
            rectifying += 1
    return accepted, completion, rectifying


def _step(rng, h, official, district, day) -> bool:
    """One random move; False when the service refuses it (the walk goes on)."""
    try:
        _move(rng, h, official, district, day)
    except ValidationError:
        return False
    return True


def _move(rng, h, official, district, day):
    h.refresh_from_db()
    records = list(h.acceptances.filter(revoked=False).order_by("id"))
    choice = rng.choice(["inspect", "fail", "rectify", "commission", "revoke"])
    has_completion = any(r.kind == COMPLETION and r.result == "pass" for r in records)
    if choice == "fail" and h.status == HouseholdStatus.BUILT:
        kind = COMMISSIONING if has_completion else COMPLETION
        inspect(h, official, kind, result="fail", date=day)
    elif choice == "rectify" and records and records[-1].result == "fail":
        rectify(records[-1], official, date=day)
    elif choice == "commission" and has_completion and h.status == HouseholdStatus.BUILT:
        inspect(h, official, COMMISSIONING, date=day)
    elif choice == "revoke" and (passed := [r for r in records if r.result == "pass"]):
        acceptance_revoke(acceptance=passed[-1], by=district, reason="资料不实")
    elif h.status == HouseholdStatus.BUILT and not has_completion:
        inspect(h, official, COMPLETION, date=day)


def test_counts_match_a_recount_after_random_operations(
    programme, town_a, approved_plan_a, gas_contractor, official_a, district
):
    Quota.objects.filter(programme=programme).exclude(town=town_a).delete()
    Quota.objects.filter(programme=programme, town=town_a).update(households=3)
    rng = random.Random(16)
    households = [built_household(programme, town_a, gas_contractor) for _ in range(6)]
    start = datetime.date(2021, 9, 1)
    done = 0
    for i in range(60):
        day = start + datetime.timedelta(i)
        done += _step(rng, rng.choice(households), official_a, district, day)
        [row] = acceptance_progress_by_town(programme, official_a)
        assert (row.accepted, row.completion_passed, row.rectifying) == _recount(
            programme, town_a
        ), f"after step {i}"
    assert done >= 30  # most moves were allowed: the walk covered the states
    dates = sorted(
        commissioning_pass(h).date for h in accepted_households(programme).order_by("id")
    )
    milestone = acceptance_milestone(programme, today=start)
    assert milestone.met_on == (dates[2] if len(dates) >= 3 else None)
