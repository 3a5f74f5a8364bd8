"""Row locks around status actions: two officials acting at once cannot both succeed."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tasks.ledger import services
from tasks.models import Household, HouseholdStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_simultaneous_withdrawals_leave_one_history_row(household_a, official_a):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def withdraw(reason: str) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.household_withdraw(
                household=Household.objects.get(pk=household_a.pk), by=official_a, reason=reason
            )
            outcomes.append("ok")
        except ValidationError as e:
            outcomes.append(e.messages[0])
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=withdraw, args=(r,)) for r in ("搬迁", "拆迁")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "当前状态为“已退出”，不能退出。"]
    household_a.refresh_from_db()
    assert household_a.status == HouseholdStatus.WITHDRAWN
    assert household_a.status_before_withdrawal == HouseholdStatus.SURVEYED
    assert household_a.history.filter(history_change_reason__startswith="退出").count() == 1
