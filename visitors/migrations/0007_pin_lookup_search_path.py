"""SECURITY DEFINER functions search `public` then the session's temporary
schema (see tenancy/migrations/0003_pin_token_lookup_search_path.py)."""

from django.db import migrations

FUNCTIONS = ("vestibule_kiosk_lookup(text)", "vestibule_visitor_search_ids(text)")


class Migration(migrations.Migration):
    dependencies = [("visitors", "0006_fewer_visit_indexes")]

    operations = [
        migrations.RunSQL(
            [f"ALTER FUNCTION {f} SET search_path = public, pg_temp" for f in FUNCTIONS],
            [f"ALTER FUNCTION {f} SET search_path = public" for f in FUNCTIONS],
        )
    ]
