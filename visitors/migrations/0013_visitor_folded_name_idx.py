from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import config.matching


class Migration(migrations.Migration):
    # Built without locking the visitors table against writes (see 0012).
    atomic = False

    dependencies = [
        ("tenancy", "0005_language_choices_from_settings"),
        ("visitors", "0012_visit_desk_day_idx"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="visitor",
            index=models.Index(
                models.F("organization"),
                config.matching.Fold("last_name"),
                config.matching.Fold("first_name"),
                name="visitor_folded_name_idx",
            ),
        ),
    ]
