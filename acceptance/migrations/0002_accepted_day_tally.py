"""The accepted and completion days in the tasks app's stage-day tally, kept by triggers.

A household counts on the day of its standing (valid, passed) commissioning pass while its
status is accepted, and on the day of its standing completion pass while it is built or
accepted: the dashboard's accepted curve and the acceptance panel read these rows instead of
joining the records with the households. Both sides of the join move the count: a record
inserted, revoked or deleted (joined with its household as it stands), and a household whose
status, town or programme changes (joined with its standing passes).
"""

from django.db import migrations, models

from tasks.progress import tally_sql
from tasks.progress.tally_sql import STAGE_DAY_TALLY, STAGE_DAY_TALLY_KEY, Tally

RECORD_COLUMNS = ("id", "household_id", "kind", "result", "revoked", "date")
HOUSEHOLD_COLUMNS = ("id", "programme_id", "town_id", "status")
STAGE = "CASE WHEN {kind} = 'commissioning' THEN 'accepted' ELSE 'completion' END"
COUNTS = (
    "(({kind} = 'commissioning' AND {status} = 'accepted') "
    "OR ({kind} = 'completion' AND {status} IN ('built', 'accepted')))"
)

EMPTY = f"DELETE FROM {STAGE_DAY_TALLY} WHERE stage IN ('accepted', 'completion');"


def record_rows(rows: str) -> str:
    """Changed records, joined with their households as they stand."""
    return (
        f"SELECT h.programme_id, h.town_id, {STAGE.format(kind='r.kind')} AS stage, "
        f"r.date AS day, r.sign FROM ({rows}) AS r "
        f"JOIN {tally_sql.HOUSEHOLD} AS h ON h.id = r.household_id "
        f"WHERE NOT r.revoked AND r.result = 'pass' AND "
        + COUNTS.format(kind="r.kind", status="h.status")
    )


def household_rows(rows: str) -> str:
    """Changed households (built or accepted on either side), joined with their passes."""
    return (
        f"SELECT r.programme_id, r.town_id, {STAGE.format(kind='a.kind')} AS stage, "
        f"a.date AS day, r.sign FROM ({rows}) AS r "
        f"JOIN acceptance_acceptance AS a ON a.household_id = r.id "
        f"WHERE r.status IN ('built', 'accepted') AND NOT a.revoked AND a.result = 'pass' AND "
        + COUNTS.format(kind="a.kind", status="r.status")
    )


def _triggers(vendor: str) -> tuple[list[str], list[str]]:
    on_records = tally_sql.triggers(
        vendor,
        name="acceptance_record_tally",
        table="acceptance_acceptance",
        columns=RECORD_COLUMNS,
        tallies=[Tally(STAGE_DAY_TALLY, STAGE_DAY_TALLY_KEY, record_rows)],
        on_truncate=EMPTY,
    )
    on_households = tally_sql.triggers(
        vendor,
        name="acceptance_household_tally",
        table=tally_sql.HOUSEHOLD,
        columns=HOUSEHOLD_COLUMNS,
        tallies=[Tally(STAGE_DAY_TALLY, STAGE_DAY_TALLY_KEY, household_rows)],
        ops=("update", "delete"),  # a household is inserted without records
        on_truncate=EMPTY,
    )
    return on_records[0] + on_households[0], on_records[1] + on_households[1]


def create_triggers(apps, schema_editor):
    create, _drop = _triggers(schema_editor.connection.vendor)
    fill = tally_sql.fill(
        "acceptance_acceptance",
        RECORD_COLUMNS,
        [Tally(STAGE_DAY_TALLY, STAGE_DAY_TALLY_KEY, record_rows)],
    )
    for statement in [*create, *fill]:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    _create, drop = _triggers(schema_editor.connection.vendor)
    schema_editor.execute(
        f"DELETE FROM {STAGE_DAY_TALLY} WHERE stage IN ('accepted', 'completion')"
    )
    for statement in drop:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("acceptance", "0001_acceptance_records"),
        ("tasks", "0017_tallies"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="acceptance",
            index=models.Index(
                condition=models.Q(("result", "fail"), ("revoked", False)),
                fields=["household"],
                name="acceptance_valid_fail",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
