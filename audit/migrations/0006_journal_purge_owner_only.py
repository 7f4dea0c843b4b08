"""The journal purge runs with its caller's rights, for the caller's organization.

`audit_purge_journal` used to be SECURITY DEFINER and kept PostgreSQL's default
EXECUTE for PUBLIC, so the application role, scoped to one organization, could
erase another organization's journal and move its checkpoint. Now:
1. It is SECURITY INVOKER: only the tables' owner gets past the append-only
   trigger, so in any other role's hands it deletes nothing.
2. Nobody but its owner may execute it (no grant; tenancy.grants revokes PUBLIC's).
3. It refuses an organization other than the transaction's `app.organization_id`,
   which audit/retention.py (the journal purge) sets on the owner connection before calling it.
"""

from django.db import migrations

PURGE = """
CREATE OR REPLACE FUNCTION audit_purge_journal(p_org bigint, p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY INVOKER SET search_path = public, pg_temp AS $$
DECLARE
    last_seq bigint;
    last_hash text;
    removed bigint;
BEGIN
    IF p_org IS DISTINCT FROM NULLIF(current_setting('app.organization_id', true), '')::bigint THEN
        RAISE EXCEPTION 'journal purge of organization % outside its tenant scope', p_org
            USING ERRCODE = 'insufficient_privilege';
    END IF;
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
REVOKE ALL ON FUNCTION audit_purge_journal(bigint, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION audit_journal_guard() FROM PUBLIC;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION audit_purge_journal(p_org bigint, p_before timestamptz) RETURNS bigint
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


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_journal_organization_index")]

    operations = [migrations.RunSQL(PURGE, PREVIOUS)]
