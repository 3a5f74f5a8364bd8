"""The ledger's household page shows the household's visits and cases (visits' own panel, the
ledger never imports visits): scoped, sensitive cases only for the district office, and a
query count that does not grow with the visits."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import HouseholdFactory
from tests.visits.helpers import draw, findings, first_visit
from visits import services
from visits.models import CaseCategory, CaseSource, Visit, VisitSample

pytestmark = pytest.mark.django_db


def page(client, household):
    return client.get(reverse("ledger:household_detail", args=[household.pk]))


@pytest.fixture
def visited(pay, town_a, cast):
    pay(town_a, 3)
    sample = draw(cast["district"])
    visit = first_visit(sample, town_a)
    visit, cases = services.visit_record(
        visit=visit,
        by=cast["official_a"],
        findings=findings(subsidy_received=False, amount_confirmed=None, satisfaction=2),
        photos=[],
    )
    secret = services.case_open(
        town=town_a,
        category=CaseCategory.FALSE_CLAIM,
        source=CaseSource.COMPLAINT,
        title="举报冒领",
        description="邻居举报。",
        household=visit.household,
        by=cast["district"],
    )
    return {"visit": visit, "case": cases[0], "secret": secret, "household": visit.household}


def test_the_town_sees_the_visit_and_the_case_but_not_the_sensitive_one(
    client_for, official_a, visited
):
    r = page(client_for(official_a), visited["household"])
    body = r.content.decode()
    assert r.status_code == 200
    assert 'id="household-visits"' in body
    assert reverse("visits:visit_detail", args=[visited["visit"].pk]) in body
    assert "有不符" in body
    assert reverse("visits:case_detail", args=[visited["case"].pk]) in body
    assert visited["case"].number in body
    # Not even that a suspected false claim exists.
    assert visited["secret"].number not in body
    assert "疑似虚假冒领" not in body


def test_the_district_office_sees_the_sensitive_case(client_for, district, visited):
    body = page(client_for(district), visited["household"]).content.decode()
    assert visited["secret"].number in body
    assert reverse("visits:case_detail", args=[visited["secret"].pk]) in body


def test_a_role_without_the_visit_permissions_sees_no_panel(client_for, finance, visited):
    body = page(client_for(finance), visited["household"]).content.decode()
    assert 'id="household-visits"' not in body


def test_an_unvisited_household_says_so(client_for, official_a, programme, town_a):
    household = HouseholdFactory(programme=programme, town=town_a)
    body = page(client_for(official_a), household).content.decode()
    assert 'id="no-household-visits"' in body
    assert 'id="no-household-cases"' in body


def test_the_query_count_does_not_grow_with_the_visits(client_for, district, visited, town_a):
    client, household = client_for(district), visited["household"]
    page(client, household)  # warm caches (permissions, session)
    with CaptureQueriesContext(connection) as one:
        page(client, household)
    for season in ("2026-2027", "2027-2028", "2028-2029"):
        sample = VisitSample.objects.create(
            season=season, mode="sample", seed=1, population=1, size=1, drawn_by=district
        )
        Visit.objects.create(sample=sample, household=household, town=town_a, paid_amount=1200)
    with CaptureQueriesContext(connection) as four:
        body = page(client, household).content.decode()
    assert body.count("data-visit=") == 4
    assert len(four) == len(one)
