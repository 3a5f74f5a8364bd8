from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0015_id_number_view_contexts"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="尝试次数"),
        ),
    ]
