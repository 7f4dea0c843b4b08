from django.db import migrations

from tenancy.rls import EnableRLS

TOKEN_LOOKUP = """
CREATE FUNCTION vestibule_token_lookup(p_hash text)
RETURNS TABLE (token_id bigint, organization_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id, organization_id FROM tenancy_apitoken
    WHERE key_hash = p_hash AND revoked_at IS NULL
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [
        EnableRLS("membership", self_read_column="user_id"),
        EnableRLS("apitoken"),
        migrations.RunSQL(TOKEN_LOOKUP, "DROP FUNCTION vestibule_token_lookup(text)"),
    ]
