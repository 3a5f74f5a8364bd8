"""PostgreSQL: the built households of a village by acceptance progress, in pinyin order of the
head's name, as an index, so that a page of the 整改中, 整改完成待复验 and 待调试验收 tabs
(`acceptance.awaiting_rows`) reads only the households in that state instead of every built
household of its villages and filtering them (at a million households: some 4,500 rows read
for the 87 of a page of the 待复验 tab). The tab of every built household keeps the index of
migration 0019. SQLite has no ICU collation and filters as before."""

from django.db import migrations

from tasks.collation import PINYIN_COLLATION

NAME = "household_built_village_progress"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {NAME} ON tasks_household (village_id, acceptance_progress, "
            f'head_name COLLATE "{PINYIN_COLLATION}", id) WHERE status = \'built\''
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0020_household_acceptance_progress")]

    operations = [migrations.RunPython(create, drop)]
