"""SECURITY DEFINER functions search `public` then the session's temporary
schema, never the temporary schema first: a temporary table named like ours,
created by the application role on a pooled connection, cannot stand in for
the real one. Privileges: tenancy.grants.APP_FUNCTIONS."""

from django.db import migrations

PIN = "ALTER FUNCTION vestibule_token_lookup(text) SET search_path = public, pg_temp"
UNPIN = "ALTER FUNCTION vestibule_token_lookup(text) SET search_path = public"


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_row_level_security")]

    operations = [migrations.RunSQL(PIN, UNPIN)]
