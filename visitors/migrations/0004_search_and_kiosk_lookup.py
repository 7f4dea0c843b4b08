"""Accent-insensitive search, and the kiosk-token lookup before any scope.

unaccent and pg_trgm are "trusted" extensions since PostgreSQL 13: the owner
role, which owns the database, may create them without being superuser.
unaccent() itself is only STABLE (its dictionary could change), so an index
cannot use it; the wrappers below pin the dictionary and are declared
IMMUTABLE, which is what PostgreSQL's own documentation suggests.
"""

from django.db import migrations

from tenancy.rls import EnableRLS

SEARCH = r"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION vestibule_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN lower(public.unaccent('public.unaccent'::regdictionary, $1));

CREATE FUNCTION vestibule_visitor_search(first_name text, last_name text, company text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN vestibule_fold(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(company, ''));
"""

UNSEARCH = """
DROP FUNCTION IF EXISTS vestibule_visitor_search(text, text, text);
DROP FUNCTION IF EXISTS vestibule_fold(text);
"""

KIOSK_LOOKUP = """
CREATE FUNCTION vestibule_kiosk_lookup(p_hash text)
RETURNS TABLE (token_id bigint, organization_id bigint, site_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id, organization_id, site_id FROM visitors_kiosktoken
    WHERE key_hash = p_hash AND revoked_at IS NULL
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("visitors", "0003_policy_and_badge_counter")]

    operations = [
        EnableRLS("badgecounter"),
        migrations.RunSQL(SEARCH, UNSEARCH),
        migrations.RunSQL(KIOSK_LOOKUP, "DROP FUNCTION vestibule_kiosk_lookup(text)"),
    ]
