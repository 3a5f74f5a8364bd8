from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0009_weekly_report_claim"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="尝试次数"),
        ),
    ]
