"""The household's acceptance progress (set by the acceptance app's triggers only).

Added with one ALTER TABLE on both databases: Django's SQLite schema editor would rebuild the
table for a NOT NULL column, and a rebuilt table loses the tally triggers created on it."""

from django.db import migrations, models

COLUMN = "ALTER TABLE tasks_household ADD COLUMN acceptance_progress varchar(24) DEFAULT '' NOT NULL"


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0019_built_households_pinyin_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    COLUMN, "ALTER TABLE tasks_household DROP COLUMN acceptance_progress"
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name='household',
                    name='acceptance_progress',
                    field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=24, verbose_name='验收进展'),
                ),
            ],
        ),
    ]
