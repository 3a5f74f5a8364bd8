"""PostgreSQL: the built households of a village in pinyin order of the head's name, as an
index, so that a page of the awaiting-acceptance list (`acceptance.awaiting_rows`) reads its
fifty rows in order instead of sorting the village (a 17,000-household village of the
million-household bench: 18 ms of ICU comparisons a page). SQLite has no ICU collation and
sorts as before."""

from django.db import migrations

from tasks.collation import PINYIN_COLLATION

NAME = "household_built_village_pinyin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {NAME} ON tasks_household "
            f'(village_id, head_name COLLATE "{PINYIN_COLLATION}", id) WHERE status = \'built\''
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0018_household_tally_village_index")]

    operations = [migrations.RunPython(create, drop)]
