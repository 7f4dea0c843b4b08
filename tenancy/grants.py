"""Privileges of the application role, re-applied after every migration."""

from django.conf import settings
from django.db import connections

# Every function of our schema the application role may execute, and why.
# Anything else (trigger functions, the journal purge, a function a migration
# adds without coming here) is executable by its owner only: PostgreSQL's
# default EXECUTE for PUBLIC is revoked from every function of ours, and
# tenancy/tests/test_functions.py fails on a function executable beyond this list.
APP_FUNCTIONS = {
    # SECURITY DEFINER: they read across organizations, so each returns only
    # what its caller may know and is granted to the application role alone.
    "vestibule_token_lookup(text)": "an API token's organization, before any tenant scope",
    "vestibule_kiosk_lookup(text)": "a kiosk key's organization and site, before any tenant scope",
    "vestibule_visitor_search_ids(text)": "the indexed visitor search, filtered on the current organization",
    "backups_ticket_index()": "the support console's list of restore tickets (ids and states only)",
    # Plain functions, run with the caller's rights.
    "vestibule_fold(text)": "accent-insensitive comparisons (search, watchlist, data subjects)",
    "vestibule_visitor_search(text,text,text)": "the visitor's generated search column, on insert and update",
    "vestibule_iso8601(timestamp with time zone,text)": "dates in CSV exports",
    "vestibule_phone(text)": "phone numbers in CSV exports",
}

# Functions of our schema (not those an extension such as unaccent or pg_trgm
# owns: PostgreSQL manages those with the extension).
OUR_FUNCTIONS = """
    SELECT p.oid::regprocedure::text FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      AND NOT EXISTS (
          SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      )
"""


def signature(regprocedure: str) -> str:
    """`f(text, text)` as PostgreSQL prints it → `f(text,text)`, the key of APP_FUNCTIONS."""
    return regprocedure.replace(", ", ",")


def restrict_functions(connection, role: str | None) -> None:
    """1. No function created from now on by the migrating role is executable by PUBLIC.
    2. Every existing function of ours loses PUBLIC's EXECUTE and the role's own.
    3. The role gets EXECUTE on the functions of APP_FUNCTIONS, one by one."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
        cursor.execute(OUR_FUNCTIONS)
        functions = [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(role) if role else None
        for function in functions:
            cursor.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
            if quoted:
                cursor.execute(f"REVOKE ALL ON FUNCTION {function} FROM {quoted}")
                if signature(function) in APP_FUNCTIONS:
                    cursor.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {quoted}")


def grant_app_role(using="default", **kwargs):
    """The application role reads and writes rows; it never owns a table, so it
    cannot disable row-level security or alter the schema. The journal is
    append-only for it: no UPDATE or DELETE at all. It executes the functions of
    APP_FUNCTIONS and no other of ours."""
    role = settings.DATABASE_APP_ROLE
    connection = connections[using]
    if role == connection.settings_dict.get("USER"):
        return  # the role itself (tests flush tables as it): nothing it may grant
    if not role:
        restrict_functions(connection, None)
        return
    quoted = connection.ops.quote_name(role)
    extra = ", TRUNCATE" if settings.TESTING else ""  # tests flush tables between cases
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE{extra} ON ALL TABLES IN SCHEMA public TO {quoted}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        cursor.execute(f"REVOKE UPDATE, DELETE ON audit_journalentry FROM {quoted}")
        # django-auditlog's own table, replaced by audit_changeentry (a tenant
        # table); kept empty for auditlog's migrations, out of the role's reach.
        cursor.execute("SELECT to_regclass('auditlog_logentry') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(f"REVOKE ALL ON auditlog_logentry FROM {quoted}")
    restrict_functions(connection, role)
