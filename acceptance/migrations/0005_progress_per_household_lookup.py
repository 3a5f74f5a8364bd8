"""The records' and rectifications' progress triggers look up each touched household's records
by index, instead of reading every household and every valid completion pass.

0004's function joined the statement's household ids with `tasks_household`; the planner
cannot know how few rows a transition table holds, and read every household and every valid
completion pass to set a dozen (14 ms a statement among 2,200 households, a scan of the
million at the bench's size). The ids are now an array, whose length the planner sees, and
each household's progress a LATERAL subquery by index (`acceptance.progress_sql._set`). What
the column ends up holding is unchanged, so nothing is refilled. SQLite's row triggers set one
household each and stay as they are; reverting keeps the new functions, which give the same
values.
"""

from django.db import migrations

from acceptance import progress_sql


def replace(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    create, _drop = progress_sql.triggers("postgresql")
    ours = tuple(
        f"CREATE FUNCTION {table}_progress_"
        for table in (progress_sql.RECORDS, progress_sql.RECTIFICATIONS)
    )
    for statement in create:
        if statement.startswith(ours):
            schema_editor.execute(statement.replace("CREATE", "CREATE OR REPLACE", 1))


class Migration(migrations.Migration):
    dependencies = [("acceptance", "0004_acceptance_progress")]

    operations = [migrations.RunPython(replace, migrations.RunPython.noop)]
