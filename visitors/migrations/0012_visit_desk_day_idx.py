from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking the visits table against writes: on a large
    # installation the desk keeps registering arrivals while it is built.
    atomic = False

    dependencies = [("visitors", "0011_visit_type_name_translations")]

    operations = [
        AddIndexConcurrently(
            model_name="visit",
            index=models.Index(fields=["site", "status", "departed_at"], name="visit_desk_day_idx"),
        ),
    ]
