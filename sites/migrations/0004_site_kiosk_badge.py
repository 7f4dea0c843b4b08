from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sites", "0003_row_level_security")]

    operations = [
        migrations.AddField(
            model_name="site",
            name="kiosk_badge",
            field=models.BooleanField(default=True, verbose_name="print the badge at the kiosk"),
        ),
    ]
