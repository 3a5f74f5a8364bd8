"""Two officials pass commissioning of the same household at the same moment: the row lock
lets one through, the other is refused, and the household is accepted (and signalled) once.

Needs real transactions and a database with row locks, so it runs on PostgreSQL only.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections

from acceptance.models import Acceptance, AcceptanceKind
from tasks.ledger import signals
from tasks.models import HouseholdStatus
from tests.acceptance.conftest import built_household, inspect
from tests.factories import ApprovedPlanFactory, ContractorFactory, UserFactory
from zichuan_heating.roles import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


def test_concurrent_commissioning_accepts_the_household_once(programme, town_a):
    ApprovedPlanFactory(programme=programme, town=town_a)
    gas = ContractorFactory(name="淄川区燃气有限公司")
    household = built_household(programme, town_a, gas)
    first = UserFactory(username="official_a1", town=town_a, role=Role.TOWN_OFFICIAL)
    second = UserFactory(username="official_a2", town=town_a, role=Role.TOWN_OFFICIAL)
    inspect(household, first, AcceptanceKind.COMPLETION)

    accepted: list[int] = []

    def on_accepted(sender, household, **kw):
        accepted.append(household.pk)

    signals.household_accepted.connect(on_accepted, dispatch_uid="concurrency")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user):
        try:
            barrier.wait()
            inspect(household, user, AcceptanceKind.COMMISSIONING)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        except IntegrityError:
            outcomes.append("integrity")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in (first, second)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        signals.household_accepted.disconnect(dispatch_uid="concurrency")

    assert sorted(outcomes) == ["ok", "该户已通过调试验收，无需再验收。"]
    assert accepted == [household.pk]
    household.refresh_from_db()
    assert household.status == HouseholdStatus.ACCEPTED
    assert Acceptance.objects.filter(kind=AcceptanceKind.COMMISSIONING).count() == 1
