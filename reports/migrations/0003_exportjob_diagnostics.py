from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_row_level_security")]

    operations = [
        migrations.AddField(
            model_name="exportjob",
            name="diagnostics",
            field=models.JSONField(blank=True, default=list, verbose_name="why rows are missing"),
        ),
    ]
