"""On PostgreSQL the server binds the parameters and a query run five times on a connection is
prepared: a page's queries repeat with other values, and planning was most of what they cost."""

import pytest
from django.db import connection

from tasks.models import Household
from tests.factories import HouseholdFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares"),
]


def _prepared(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [sql for (sql,) in cursor.fetchall() if fragment in sql]


def test_a_query_repeated_with_other_values_is_prepared_once_and_answers_each(programme, town_a):
    households = HouseholdFactory.create_batch(6, programme=programme, town=town_a)
    marker = '"tasks_household"."head_name" = $'
    assert _prepared(marker) == []
    for h in households:
        found = Household.objects.filter(head_name=h.head_name).values_list("pk", flat=True)
        assert list(found) == [h.pk]
    prepared = _prepared(marker)
    assert len(prepared) == 1, prepared  # one statement, its value a parameter, not inlined
    assert not any(h.head_name in prepared[0] for h in households)
