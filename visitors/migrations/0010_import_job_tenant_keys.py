"""The import job's site and requester are of its own organization (tenancy.rls.TenantForeignKeys)."""

from django.db import migrations

from tenancy.rls import TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("visitors", "0009_merge_import_job_and_tenant_keys"),
    ]

    operations = [
        TenantForeignKeys("importjob", ["site", "requested_by"]),
    ]
