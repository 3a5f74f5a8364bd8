"""Each household's acceptance progress in its own column, kept by triggers on the records
and rectifications, and the built households counted by it per village (`ProgressTally`):
the awaiting list's tabs page by village like the whole list, instead of finding each
village's households in another state through their records (acceptance/progress_sql.py).
The column and the tally are filled from the records before the triggers are created."""

from django.db import migrations, models

from acceptance import progress_sql


def create(apps, schema_editor):
    create, _drop = progress_sql.triggers(schema_editor.connection.vendor)
    for statement in [*progress_sql.fill(), *create]:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    _create, drop = progress_sql.triggers(schema_editor.connection.vendor)
    for statement in drop:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('acceptance', '0003_household_tally_per_row_lookup'),
        ('tasks', '0020_household_acceptance_progress'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProgressTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('programme_id', models.IntegerField()),
                ('town_id', models.IntegerField()),
                ('village_id', models.IntegerField()),
                ('progress', models.CharField(max_length=24)),
                ('n', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': '验收进展计数',
                'verbose_name_plural': '验收进展计数',
                'constraints': [models.UniqueConstraint(fields=('programme_id', 'town_id', 'village_id', 'progress'), name='progress_tally_key')],
            },
        ),
        migrations.RunPython(create, drop),
    ]
