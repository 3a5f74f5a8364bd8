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


def test_bulk_run_behind_a_long_reader_goes_row_by_row_instead_of_stalling_every_page(
    programme, make_accepted, town_a, town_b, monkeypatch
):
    """A reader holding the households table (an export, a report) would keep the bulk run's
    table lock waiting, and every new reader queued behind it: past TABLE_LOCK_TIMEOUT the
    run gives up the table locks and writes the same instalments with row locks."""
    monkeypatch.setattr(schedules, "SET_BASED_KEYS_FROM", 1)
    monkeypatch.setattr(schedules, "TABLE_LOCK_TIMEOUT", "300ms")
    first, other = make_accepted(town_a), make_accepted(town_b)
    reading, done = threading.Event(), threading.Event()

    def reader() -> None:
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                list(type(first).objects.filter(pk=first.pk))  # ACCESS SHARE until commit
                reading.set()
                done.wait(20)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert reading.wait(20)
        t0 = time.monotonic()
        created = services.schedules_generate(programme=programme)
        took = time.monotonic() - t0
    finally:
        done.set()
        thread.join(30)
    assert created == 16
    assert took < 10  # it did not wait for the reader to finish
    assert Instalment.objects.filter(household__in=[first, other]).count() == 16
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"  # the session's own setting, not the run's
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [Instalment._meta.db_table],
        )
        assert cursor.fetchone()[0] == 2  # the keys were never dropped
