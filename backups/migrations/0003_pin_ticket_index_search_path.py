"""SECURITY DEFINER functions search `public` then the session's temporary
schema (see tenancy/migrations/0003_pin_token_lookup_search_path.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("backups", "0002_row_level_security")]

    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION backups_ticket_index() SET search_path = public, pg_temp",
            "ALTER FUNCTION backups_ticket_index() SET search_path = public",
        )
    ]
