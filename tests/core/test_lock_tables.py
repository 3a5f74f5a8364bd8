"""`locks.lock_tables`: whole tables locked in the one lock order, or nothing after the bound."""

import threading

import pytest
from django.db import connection, transaction

from subsidies.models import Instalment, SubsidyStandard
from tasks.models import Household
from tests.pg import exclusive_tables
from zichuan_heating import locks

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL locks")


@pytest.mark.django_db
def test_the_tables_are_locked_until_the_commit_and_the_timeout_is_put_back():
    with transaction.atomic():
        assert locks.lock_tables((Instalment, Household, SubsidyStandard), timeout="1s")
        assert exclusive_tables() >= {
            m._meta.db_table for m in (Instalment, Household, SubsidyStandard)
        }
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == "0"


@pytest.mark.django_db(transaction=True)
def test_behind_a_reader_it_gives_up_after_the_timeout_and_holds_nothing():
    reading, done = threading.Event(), threading.Event()

    def reader() -> None:
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                list(Household.objects.all()[:1])  # ACCESS SHARE until commit
                reading.set()
                done.wait(20)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert reading.wait(20)
        with transaction.atomic():
            assert not locks.lock_tables((Household, Instalment), timeout="200ms")
            assert exclusive_tables() == set()
            assert Instalment.objects.count() == 0  # the transaction goes on
    finally:
        done.set()
        thread.join(30)


def test_tables_come_in_lock_order_whatever_order_they_are_given_in(monkeypatch):
    statements = []

    class Cursor:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql, params=None):
            statements.append(sql)

    monkeypatch.setattr(locks.connection, "cursor", lambda: Cursor())
    monkeypatch.setattr(locks.transaction, "atomic", lambda: Cursor())
    assert locks.lock_tables((Instalment, Household, SubsidyStandard), timeout="1s")
    lock = next(s for s in statements if s.startswith("LOCK TABLE"))
    assert lock == (
        "LOCK TABLE subsidies_subsidystandard, tasks_household, subsidies_instalment "
        "IN ACCESS EXCLUSIVE MODE"
    )
