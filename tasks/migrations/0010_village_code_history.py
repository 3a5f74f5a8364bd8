"""Village codes and history, towns' division codes, and the pinyin collation (PostgreSQL)."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
import tasks.collation
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from tasks.collation import CREATE_PINYIN_COLLATION, PINYIN_COLLATION


def create_pinyin_collation(apps, schema_editor):
    # SQLite has no ICU collations; there names keep their plain order.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_PINYIN_COLLATION)


def drop_pinyin_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP COLLATION IF EXISTS {PINYIN_COLLATION}")


def village_history_baseline(apps, schema_editor):
    """One "created" history row per existing village, so a later rename has a row to diff."""
    Village = apps.get_model("tasks", "Village")
    HistoricalVillage = apps.get_model("tasks", "HistoricalVillage")
    now = timezone.now()
    HistoricalVillage.objects.bulk_create(
        HistoricalVillage(
            id=v.id, town_id=v.town_id, name=v.name, code=v.code,
            history_date=now, history_type="+", history_change_reason="",
        )
        for v in Village.objects.all()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0009_weekly_report_claim'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_pinyin_collation, drop_pinyin_collation, elidable=False),
        migrations.CreateModel(
            name='HistoricalVillage',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='村（居）')),
                ('code', models.CharField(blank=True, max_length=12, validators=[django.core.validators.RegexValidator('^\\d{12}$', '统计用区划代码应为12位数字。')], verbose_name='统计用区划代码')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': '村（居）修改记录',
                'verbose_name_plural': 'historical 村（居）',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AlterModelOptions(
            name='household',
            options={'ordering': ['town__order', tasks.collation.Pinyin('village__name'), tasks.collation.Pinyin('head_name'), 'id'], 'permissions': [('view_full_id_number', '可查看完整身份证号'), ('restore_household', '可恢复已退出的改造户')], 'verbose_name': '改造户', 'verbose_name_plural': '改造户台账'},
        ),
        migrations.AlterModelOptions(
            name='village',
            options={'ordering': ['town__order', tasks.collation.Pinyin('name'), 'id'], 'permissions': [('view_village_register', '可查看村（居）管理页面')], 'verbose_name': '村（居）', 'verbose_name_plural': '村（居）'},
        ),
        migrations.AddField(
            model_name='town',
            name='division_code',
            field=models.CharField(blank=True, max_length=9, validators=[django.core.validators.RegexValidator('^\\d{9}$', '统计用区划代码应为9位数字。')], verbose_name='统计用区划代码'),
        ),
        migrations.AddField(
            model_name='village',
            name='code',
            field=models.CharField(blank=True, max_length=12, validators=[django.core.validators.RegexValidator('^\\d{12}$', '统计用区划代码应为12位数字。')], verbose_name='统计用区划代码'),
        ),
        migrations.AddConstraint(
            model_name='village',
            constraint=models.UniqueConstraint(condition=models.Q(('code', ''), _negated=True), fields=('code',), name='village_code_unique_when_set'),
        ),
        migrations.AddField(
            model_name='historicalvillage',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalvillage',
            name='town',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tasks.town', verbose_name='镇（街道）'),
        ),
        migrations.RunPython(village_history_baseline, migrations.RunPython.noop),
    ]
