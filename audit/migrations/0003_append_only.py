"""The journal is append-only in the database itself.

A trigger refuses UPDATE and DELETE on journal rows. The only way around it is
`audit_purge_journal()`, a SECURITY DEFINER function that retention calls: it
raises a transaction-local flag the trigger accepts only from the function's
owner, deletes entries older than a date, and moves the chain's checkpoint to the
last deleted entry so the remaining chain still verifies.
"""

from django.db import migrations

from tenancy.rls import EnableRLS

GUARD = """
CREATE FUNCTION audit_journal_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('vestibule.journal_purge', true) = 'on'
       AND current_user = (SELECT tableowner FROM pg_tables WHERE tablename = TG_TABLE_NAME LIMIT 1)
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'journal entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_journal_append_only
    BEFORE UPDATE OR DELETE ON audit_journalentry
    FOR EACH ROW EXECUTE FUNCTION audit_journal_guard();

CREATE FUNCTION audit_purge_journal(p_org bigint, p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    last_seq bigint;
    last_hash text;
    removed bigint;
BEGIN
    SELECT seq, hash INTO last_seq, last_hash FROM audit_journalentry
        WHERE organization_id = p_org AND created_at < p_before
        ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM set_config('vestibule.journal_purge', 'on', true);
    DELETE FROM audit_journalentry WHERE organization_id = p_org AND seq <= last_seq;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('vestibule.journal_purge', 'off', true);
    UPDATE audit_journalhead SET checkpoint_seq = last_seq, checkpoint_hash = last_hash
        WHERE organization_id = p_org;
    RETURN removed;
END;
$$;
"""

UNGUARD = """
DROP FUNCTION audit_purge_journal(bigint, timestamptz);
DROP TRIGGER audit_journal_append_only ON audit_journalentry;
DROP FUNCTION audit_journal_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        EnableRLS("journalhead"),
        EnableRLS("journalentry"),
        migrations.RunSQL(GUARD, UNGUARD),
    ]
