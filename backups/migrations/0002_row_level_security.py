from django.db import migrations

from tenancy.rls import EnableRLS

# The support console lists tickets of every organization before opening one
# in its tenant scope: this function reads only the columns a list needs, as
# its owner (who bypasses row-level security), and nothing else.
TICKET_INDEX = """
CREATE FUNCTION backups_ticket_index()
RETURNS TABLE (id bigint, organization_id bigint, state varchar, urgency varchar, updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id, organization_id, state, urgency, updated_at FROM backups_restoreticket ORDER BY updated_at DESC
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("backups", "0001_initial")]

    operations = [
        EnableRLS("restoreticket"),
        EnableRLS("ticketattachment"),
        EnableRLS("ticketcomment"),
        EnableRLS("supportgrant"),
        migrations.RunSQL(TICKET_INDEX, "DROP FUNCTION backups_ticket_index()"),
    ]
