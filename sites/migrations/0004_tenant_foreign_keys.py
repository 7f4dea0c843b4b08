"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys)."""

from django.db import migrations

from tenancy.rls import TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0003_row_level_security"),
    ]

    operations = [
        TenantForeignKeys("desk", ["site"]),
    ]
