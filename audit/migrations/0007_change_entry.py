"""Field-level change history moves from django-auditlog's own table into
`audit_changeentry`, a tenant table (AUDITLOG_LOGENTRY_MODEL = "audit.ChangeEntry").

1. The new table, under forced row-level security, with a tenant-consistent key.
2. Existing entries are copied with the organization of the object they
   describe and the actor's membership in it; the IP is not copied (auditlog
   took it from X-Forwarded-For, which any client can write), nor the e-mail.
   Entries whose object no longer exists cannot be given an organization.
3. auditlog_logentry is emptied (it held e-mail addresses); the table itself
   stays for auditlog's own migrations, and the application role loses every
   right on it (tenancy.grants). Its foreign keys go: Django no longer counts
   the (swapped) table among its own, so a flush's TRUNCATE of users and content
   types would be refused by a key from it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from tenancy.rls import EnableRLS

COPY = """
INSERT INTO audit_changeentry (
    object_pk, object_id, object_repr, serialized_data, action, changes_text, changes, cid,
    remote_addr, timestamp, additional_data, member_id, content_type_id, organization_id)
SELECT l.object_pk, l.object_id, l.object_repr, l.serialized_data, l.action, l.changes_text,
    l.changes, l.cid, NULL, l.timestamp, l.additional_data,
    (SELECT m.id FROM tenancy_membership m
     WHERE m.user_id = l.actor_id AND m.organization_id = o.organization_id),
    l.content_type_id, o.organization_id
FROM auditlog_logentry l JOIN {table} o ON o.id = l.object_id
WHERE l.content_type_id = %s
ORDER BY l.id
"""


def copy_auditlog_entries(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('auditlog_logentry') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute(
            "SELECT DISTINCT ct.id, ct.app_label, ct.model FROM auditlog_logentry l "
            "JOIN django_content_type ct ON ct.id = l.content_type_id"
        )
        for content_type_id, app_label, model_name in cursor.fetchall():
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            if not any(f.name == "organization" for f in model._meta.concrete_fields):
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(COPY.format(table=table), [content_type_id])
        cursor.execute("DELETE FROM auditlog_logentry")
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'auditlog_logentry'::regclass AND contype = 'f'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE auditlog_logentry DROP CONSTRAINT {connection.ops.quote_name(name)}")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0006_journal_purge_owner_only'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('tenancy', '0004_tenant_foreign_keys_and_link_rls'),
        ('auditlog', '0017_add_actor_email'),
        ('sites', '0004_tenant_foreign_keys'),
        ('badges', '0003_tenant_foreign_keys'),
        ('documents', '0003_tenant_foreign_keys'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChangeEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_pk', models.CharField(db_index=True, max_length=255, verbose_name='object pk')),
                ('object_id', models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='object id')),
                ('object_repr', models.TextField(verbose_name='object representation')),
                ('serialized_data', models.JSONField(null=True)),
                ('action', models.PositiveSmallIntegerField(choices=[(0, 'create'), (1, 'update'), (2, 'delete'), (3, 'access')], db_index=True, verbose_name='action')),
                ('changes_text', models.TextField(blank=True, verbose_name='change message')),
                ('changes', models.JSONField(null=True, verbose_name='change message')),
                ('cid', models.CharField(blank=True, db_index=True, max_length=255, null=True, verbose_name='Correlation ID')),
                ('remote_addr', models.GenericIPAddressField(blank=True, null=True, verbose_name='remote address')),
                ('timestamp', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='timestamp')),
                ('additional_data', models.JSONField(blank=True, null=True, verbose_name='additional data')),
                ('member_id', models.BigIntegerField(blank=True, null=True, verbose_name='member')),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype', verbose_name='content type')),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenancy.organization')),
            ],
            options={
                'verbose_name': 'change',
                'verbose_name_plural': 'change history',
                'ordering': ['-timestamp'],
                'get_latest_by': 'timestamp',
                'abstract': False,
            },
        ),
        migrations.AddIndex(
            model_name='changeentry',
            index=models.Index(fields=['organization', 'content_type', 'object_id'], name='changeentry_object_idx'),
        ),
        EnableRLS('changeentry'),
        migrations.RunPython(copy_auditlog_entries, migrations.RunPython.noop),
    ]
