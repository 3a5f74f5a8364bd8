"""Races on PostgreSQL: two officials submitting the same visit record it once and open its
cases once; two district users drawing the same season draw it once; a 12345 ticket typed
twice is one case."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.factories import UserFactory
from tests.visits.helpers import draw, findings, first_visit
from visits import services
from visits.models import Case, VisitSample
from zichuan_heating.roles import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


def race(action, users) -> list[str]:
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def attempt(user):
        try:
            barrier.wait()
            action(user)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(outcomes)


def test_a_visit_submitted_twice_at_once_is_recorded_once(pay, town_a, district, official_a):
    pay(town_a, 1)
    visit = first_visit(draw(district), town_a)
    second = UserFactory(username="official_a2", town=town_a, role=Role.TOWN_OFFICIAL)
    outcomes = race(
        lambda user: services.visit_record(
            visit=visit, by=user, findings=findings(amount_confirmed=Decimal("1.00"))
        ),
        [official_a, second],
    )
    assert outcomes[0] == "ok" and "不能登记回访结果" in outcomes[1]
    assert Case.objects.count() == 1


def test_a_season_drawn_twice_at_once_is_drawn_once(pay, town_a, district):
    pay(town_a, 3)
    other = UserFactory(username="district2", role=Role.DISTRICT_OFFICE)
    outcomes = race(lambda user: draw(user), [district, other])
    assert outcomes[0] == "ok" and "不能重复抽取" in outcomes[1]
    assert VisitSample.objects.count() == 1
    assert VisitSample.objects.get().visits.count() == 3


def test_a_hotline_ticket_typed_twice_is_one_case(programme, town_a, district):
    def open_it(user):
        services.case_open(
            town=town_a,
            category="no_heat",
            source="hotline",
            hotline_number="12345-0099",
            title="不热",
            description="来电。",
            by=user,
        )

    other = UserFactory(username="district2", role=Role.DISTRICT_OFFICE)
    outcomes = race(open_it, [district, other])
    assert outcomes == ["ok", "工单编号 12345-0099 已登记过。"]
    assert Case.objects.count() == 1
