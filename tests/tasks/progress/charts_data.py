"""Dashboard chart data for the tests: two towns with dated households at every milestone
state (on time, late, overdue), shared by the query, page and browser tests."""

import datetime

from acceptance.models import Acceptance, AcceptanceKind, AcceptanceResult
from tasks.models import HouseholdStatus, Quota
from tests.factories import ApprovedPlanFactory, HouseholdFactory

S = HouseholdStatus
D = datetime.date


def household(programme, town, status, *, signed=None, started=None, built=None, accepted=None):
    h = HouseholdFactory(
        programme=programme,
        town=town,
        status=status,
        contract_signed_on=signed,
        construction_started_on=started,
        construction_completed_on=built,
    )
    if accepted:
        Acceptance.objects.create(
            household=h,
            kind=AcceptanceKind.COMMISSIONING,
            date=accepted,
            result=AcceptanceResult.PASS,
        )
    return h


def chart_figures(programme, town_a, town_b):
    """洪山镇 (task 3): plan on time, built on 9/2 (3 days late), accepted on 9/28 (on time).
    昆仑镇 (task 2): plan 5 days late, one accepted, one still under construction."""
    Quota.objects.filter(programme=programme).exclude(town__in=[town_a, town_b]).delete()
    Quota.objects.filter(programme=programme, town=town_a).update(households=3)
    Quota.objects.filter(programme=programme, town=town_b).update(households=2)
    ApprovedPlanFactory(programme=programme, town=town_a, approved_at=at(D(2021, 6, 10)))
    ApprovedPlanFactory(programme=programme, town=town_b, approved_at=at(D(2021, 6, 20)))
    for signed, built, accepted in [
        (D(2021, 7, 1), D(2021, 8, 1), D(2021, 9, 10)),
        (D(2021, 7, 1), D(2021, 8, 20), D(2021, 9, 20)),
        (D(2021, 7, 3), D(2021, 9, 2), D(2021, 9, 28)),
    ]:
        household(
            programme, town_a, S.ACCEPTED, signed=signed, started=signed, built=built,
            accepted=accepted,
        )  # fmt: skip
    household(
        programme, town_b, S.ACCEPTED, signed=D(2021, 7, 2), started=D(2021, 7, 2),
        built=D(2021, 8, 10), accepted=D(2021, 9, 15),
    )  # fmt: skip
    household(programme, town_b, S.UNDER_CONSTRUCTION, signed=D(2021, 7, 2), started=D(2021, 8, 1))
    return programme


def at(day):
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC)
