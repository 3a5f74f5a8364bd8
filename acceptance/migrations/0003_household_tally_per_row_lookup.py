"""The household side of the accepted and completion days' triggers looks up each changed
household's passes by index, instead of reading every valid pass.

0002's trigger joined the statement's changed households with `acceptance_acceptance`; the
planner cannot know how few rows a transition table holds, and took every valid pass of the
programme as the outer side of the join: 18 ms to accept a dozen households among 2,200, and
a read of the whole table at every household update at a million. On PostgreSQL the passes
are now a LATERAL subquery per changed household (OFFSET 0 keeps it from being flattened back
into a join), read through the one-valid-pass index. What each row contributes is unchanged,
so the tally needs no refill. SQLite's row-level triggers join one row and stay as they are.
"""

import importlib

from django.db import migrations

from tasks.progress import tally_sql
from tasks.progress.tally_sql import STAGE_DAY_TALLY, STAGE_DAY_TALLY_KEY, Tally

previous = importlib.import_module("acceptance.migrations.0002_accepted_day_tally")


def household_rows(rows: str) -> str:
    """Changed households (built or accepted on either side), each with its own passes."""
    return (
        f"SELECT r.programme_id, r.town_id, {previous.STAGE.format(kind='a.kind')} AS stage, "
        f"a.date AS day, r.sign FROM ({rows}) AS r "
        "CROSS JOIN LATERAL (SELECT p.kind, p.date FROM acceptance_acceptance AS p "
        "WHERE p.household_id = r.id AND p.result = 'pass' AND NOT p.revoked OFFSET 0) AS a "
        "WHERE r.status IN ('built', 'accepted') AND "
        + previous.COUNTS.format(kind="a.kind", status="r.status")
    )


def _functions(source) -> list[str]:
    create, _drop = tally_sql.triggers(
        "postgresql",
        name="acceptance_household_tally",
        table=tally_sql.HOUSEHOLD,
        columns=previous.HOUSEHOLD_COLUMNS,
        tallies=[Tally(STAGE_DAY_TALLY, STAGE_DAY_TALLY_KEY, source)],
        ops=("update", "delete"),
        on_truncate=previous.EMPTY,
    )
    return [
        s.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
        for s in create
        if s.startswith("CREATE FUNCTION")
    ]


def _replace(source):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in _functions(source):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("acceptance", "0002_accepted_day_tally")]

    operations = [
        migrations.RunPython(_replace(household_rows), _replace(previous.household_rows)),
    ]
