"""The bulk run from SET_BASED_KEYS_FROM households on: it drops the instalments' foreign keys
for its insert and adds them back, so PostgreSQL checks them in one statement each instead of
one trigger per row. The rows are the ones the per-row path writes, and the keys come back
under the same names and definitions, enforced."""

import pytest
from django.db import IntegrityError, connection, transaction

from subsidies import services
from subsidies.models import Instalment, SubsidyEvent
from subsidies.services import schedules
from tasks.models import Household, Route
from tests.pg import exclusive_tables

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL path"),
]

TABLE = Instalment._meta.db_table


def _keys() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred, convalidated "
            "FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY 1",
            [TABLE],
        )
        return cursor.fetchall()


def _rows() -> list[tuple]:
    return list(
        Instalment.objects.order_by("household_id", "item", "season").values_list(
            "household_id", "item", "season", "amount", "standard_id", "due_date", "status"
        )
    )


@pytest.fixture
def set_based(monkeypatch):
    monkeypatch.setattr(schedules, "SET_BASED_KEYS_FROM", 1)


@pytest.fixture
def households(make_accepted, town_a, town_b):
    make_accepted(town_a)
    make_accepted(town_b)
    make_accepted(town_b, route=Route.CENTRAL, equipment=None)


def test_the_set_based_run_writes_the_rows_the_per_row_run_writes(
    programme, households, monkeypatch
):
    monkeypatch.setattr(schedules, "SET_BASED_KEYS_FROM", 10**9)
    assert services.schedules_generate(programme=programme) == 8 + 8 + 7
    per_row = _rows()
    Instalment.objects.all().delete()
    # Same transaction: the per-row run's deferred checks are still pending.
    monkeypatch.setattr(schedules, "SET_BASED_KEYS_FROM", 1)
    assert services.schedules_generate(programme=programme) == 8 + 8 + 7
    assert _rows() == per_row
    assert services.schedules_generate(programme=programme) == 0  # idempotent
    assert SubsidyEvent.objects.filter(action="schedules_generated").count() == 3


def test_the_keys_come_back_the_same_and_enforced(programme, households, set_based):
    before = _keys()
    assert [name for name, *_ in before] and all(row[2:] == (True, True, True) for row in before)
    assert services.schedules_generate(programme=programme) == 8 + 8 + 7
    assert _keys() == before
    orphan = Instalment.objects.first()
    missing = Household.objects.order_by("-pk").first().pk + 1000
    with pytest.raises(IntegrityError), transaction.atomic():
        Instalment.objects.filter(pk=orphan.pk).update(household_id=missing)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


TABLES = {TABLE, Household._meta.db_table, "subsidies_subsidystandard"}


def test_the_set_based_run_takes_the_tables_exclusively(programme, households, set_based):
    assert services.schedules_generate(programme=programme) == 23
    assert exclusive_tables() >= TABLES  # held until the (test's) transaction ends


def test_below_the_threshold_no_table_is_locked(programme, households):
    assert len(Household.objects.all()) < schedules.SET_BASED_KEYS_FROM
    assert services.schedules_generate(programme=programme) == 23
    assert not TABLES & exclusive_tables()
