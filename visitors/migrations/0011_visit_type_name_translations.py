"""Visit type names: `name_fr`/`name_en` columns become django-modeltrans storage,
the name in settings.LANGUAGE_CODE (fr) in `name` and the other languages in the
`i18n` JSON ({"name_en": ...}), so that a language is configuration, not a column.
The French column is renamed (no row rewritten for it); the English one is copied
into `i18n` before it goes. Reversible."""

import modeltrans.fields
from django.db import migrations, models

import tenancy.models

FORWARD = """
UPDATE visitors_visittype SET i18n = jsonb_build_object('name_en', name_en) WHERE name_en <> '';
"""
BACKWARD = """
UPDATE visitors_visittype SET name_en = COALESCE(NULLIF(i18n->>'name_en', ''), name);
"""


class Migration(migrations.Migration):
    dependencies = [("visitors", "0010_import_job_tenant_keys")]

    operations = [
        migrations.RenameField("visittype", "name_fr", "name"),
        migrations.AlterField(
            "visittype", "name", models.CharField(max_length=100, verbose_name="name")
        ),
        migrations.AddField(
            "visittype",
            "i18n",
            modeltrans.fields.TranslationField(fields=("name",), required_languages=(), virtual_fields=True),
        ),
        # A default for the way back, which adds the column to existing rows.
        migrations.AlterField("visittype", "name_en", models.CharField(max_length=100, blank=True, default="")),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveField("visittype", "name_en"),
        migrations.AlterModelOptions("visittype", options={"ordering": ["name"], "verbose_name": "visit type"}),
        migrations.AlterField(
            model_name="visitor",
            name="language",
            field=models.CharField(
                blank=True, choices=tenancy.models.language_choices, max_length=5, verbose_name="language"
            ),
        ),
    ]
