"""Bulk generation and a single household's generation at the same time: the bulk run waits
for the household's lock, then sees that schedule and writes no second one."""

import threading
import time

import pytest
from django.db import connection, transaction

from subsidies import services
from subsidies.models import Instalment, SubsidyEvent
from subsidies.services import schedules

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _waiting_for_a_lock(pid: int) -> bool:
    # pg_locks, not pg_stat_activity: the latter is read once per transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = %s", [pid])
        return cursor.fetchone()[0] > 0


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("set_based", [False, True], ids=["row-locks", "table-locks"])
def test_bulk_run_waits_for_a_single_generation_and_skips_its_household(
    programme, make_accepted, town_a, town_b, monkeypatch, set_based
):
    if set_based:  # the bulk run waits for the household table instead of its row
        monkeypatch.setattr(schedules, "SET_BASED_KEYS_FROM", 1)
    first = make_accepted(town_a)
    other = make_accepted(town_b)
    single_done = threading.Event()
    bulk_ready = threading.Event()
    results: dict[str, object] = {}

    def single() -> None:
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                results["single"] = services.schedule_generate(household=first)
                single_done.set()
                # Hold the household's lock (and the uncommitted instalments) until the bulk
                # run is seen waiting for it.
                bulk_ready.wait(20)
                pid = results["bulk_pid"]
                deadline = time.monotonic() + 20
                while not _waiting_for_a_lock(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                results["bulk_waited"] = _waiting_for_a_lock(pid)
        finally:
            thread_connection.close()

    def bulk() -> None:
        from django.db import connection as thread_connection

        try:
            results["bulk_pid"] = _backend_pid()
            bulk_ready.set()
            single_done.wait(20)
            results["bulk"] = services.schedules_generate(programme=programme)
        except Exception as e:  # the assertion below names it
            results["bulk"] = e
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=single), threading.Thread(target=bulk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results["single"] == 8
    assert results["bulk_waited"] is True
    assert results["bulk"] == 8  # the other household's eight only
    assert Instalment.objects.filter(household=first).count() == 8
    assert Instalment.objects.filter(household=other).count() == 8
    event = SubsidyEvent.objects.get(action="schedules_generated")
    assert event.count == 8
