"""Privileges of the application role, re-applied after every migration."""

from django.conf import settings
from django.db import connections


def grant_app_role(using="default", **kwargs):
    """The application role reads and writes rows; it never owns a table, so it
    cannot disable row-level security or alter the schema. The journal is
    append-only for it: no UPDATE or DELETE at all."""
    role = settings.DATABASE_APP_ROLE
    connection = connections[using]
    if not role or role == connection.settings_dict.get("USER"):
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
        cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}")
        cursor.execute(f"REVOKE EXECUTE ON FUNCTION audit_purge_journal(bigint, timestamptz) FROM {quoted}")
