"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys)."""

from django.db import migrations

from tenancy.rls import TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_row_level_security"),
        ("tenancy", "0003_pin_token_lookup_search_path"),
    ]

    operations = [
        TenantForeignKeys("exportjob", ["requested_by"]),
        TenantForeignKeys("exportschedule", ["created_by"]),
        TenantForeignKeys("schedulerun", ["schedule", "job"]),
    ]
