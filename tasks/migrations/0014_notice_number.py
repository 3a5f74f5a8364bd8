"""Supervision notices carry a number (川清暖督〔year〕n号), a sequence per programme; a full
ID number seen on a printed document is logged as such."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Notice = apps.get_model("tasks", "SupervisionNotice")
    last: dict[int, int] = {}
    for notice in Notice.objects.order_by("programme_id", "issued_at", "id"):
        last[notice.programme_id] = last.get(notice.programme_id, 0) + 1
        notice.number = last[notice.programme_id]
        notice.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0013_notice_attachments"),
    ]

    operations = [
        migrations.AddField(
            model_name="supervisionnotice",
            name="number",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="文号序号"
            ),
        ),
        migrations.AddField(
            model_name="historicalsupervisionnotice",
            name="number",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="文号序号"
            ),
        ),
        migrations.AlterField(
            model_name="idnumberview",
            name="context",
            field=models.CharField(
                choices=[("detail", "详情页"), ("list", "台账列表"), ("document", "打印文件")],
                max_length=10,
                verbose_name="查看位置",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="supervisionnotice",
            constraint=models.UniqueConstraint(
                fields=("programme", "number"), name="notice_unique_number_per_programme"
            ),
        ),
    ]
