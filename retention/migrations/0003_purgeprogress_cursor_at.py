from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_row_level_security")]

    operations = [
        migrations.AddField(
            model_name="purgeprogress",
            name="cursor_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
