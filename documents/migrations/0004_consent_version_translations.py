"""Consent versions: `title_fr/title_en/body_fr/body_en` columns become
django-modeltrans storage: French (settings.LANGUAGE_CODE) in `title`/`body`, the
other languages in the `i18n` JSON ({"title_en": ..., "body_en": ...}).

A signed version is frozen by the trigger `documents_freeze_signed_version`, which
refuses any UPDATE of a signed row, whatever the column: it keeps guarding the new
columns. Moving the English wording into `i18n` is such an UPDATE, so this
migration (run by the owner role) disables the trigger for that one statement
and enables it again; the French columns are renamed, not rewritten. The text
shown and hashed for a signature (`ConsentVersion.shown_text`) is unchanged."""

import modeltrans.fields
from django.db import migrations, models

import tenancy.models

FORWARD = """
ALTER TABLE documents_consentversion DISABLE TRIGGER documents_freeze_signed_version;
UPDATE documents_consentversion SET i18n = jsonb_strip_nulls(jsonb_build_object(
    'title_en', NULLIF(title_en, ''), 'body_en', NULLIF(body_en, '')));
ALTER TABLE documents_consentversion ENABLE TRIGGER documents_freeze_signed_version;
"""
BACKWARD = """
ALTER TABLE documents_consentversion DISABLE TRIGGER documents_freeze_signed_version;
UPDATE documents_consentversion SET
    title_en = COALESCE(NULLIF(i18n->>'title_en', ''), title),
    body_en = COALESCE(NULLIF(i18n->>'body_en', ''), body);
ALTER TABLE documents_consentversion ENABLE TRIGGER documents_freeze_signed_version;
"""


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_tenant_foreign_keys")]

    operations = [
        migrations.RenameField("consentversion", "title_fr", "title"),
        migrations.RenameField("consentversion", "body_fr", "body"),
        migrations.AlterField(
            "consentversion", "title", models.CharField(max_length=200, verbose_name="title")
        ),
        migrations.AlterField("consentversion", "body", models.TextField(verbose_name="text")),
        migrations.AddField(
            "consentversion",
            "i18n",
            modeltrans.fields.TranslationField(
                fields=("title", "body"), required_languages=(), virtual_fields=True
            ),
        ),
        # Defaults for the way back, which adds the columns to existing rows.
        migrations.AlterField("consentversion", "title_en", models.CharField(max_length=200, blank=True, default="")),
        migrations.AlterField("consentversion", "body_en", models.TextField(blank=True, default="")),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveField("consentversion", "title_en"),
        migrations.RemoveField("consentversion", "body_en"),
        migrations.AlterField(
            model_name="signedconsent",
            name="language",
            field=models.CharField(choices=tenancy.models.language_choices, max_length=5, verbose_name="language"),
        ),
    ]
