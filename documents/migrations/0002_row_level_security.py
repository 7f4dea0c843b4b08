from django.db import migrations

from tenancy.rls import EnableRLS

# A signed version is evidence: the database itself refuses to change it, so
# that no code path (admin, shell, a future bug) can alter what people signed.
FREEZE_SIGNED_VERSIONS = """
CREATE FUNCTION documents_freeze_signed_version() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM documents_signedconsent WHERE version_id = OLD.id) THEN
        RAISE EXCEPTION 'consent version % has been signed and cannot change', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_freeze_signed_version
    BEFORE UPDATE ON documents_consentversion
    FOR EACH ROW EXECUTE FUNCTION documents_freeze_signed_version();
"""
THAW = """
DROP TRIGGER IF EXISTS documents_freeze_signed_version ON documents_consentversion;
DROP FUNCTION IF EXISTS documents_freeze_signed_version();
"""


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        EnableRLS("consenttext"),
        EnableRLS("consentrequirement"),
        EnableRLS("consentversion"),
        EnableRLS("signedconsent"),
        EnableRLS("attachment"),
        EnableRLS("documentpolicy"),
        EnableRLS("documentarchive"),
        migrations.RunSQL(FREEZE_SIGNED_VERSIONS, THAW),
    ]
