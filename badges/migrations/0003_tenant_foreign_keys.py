"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys)."""

from django.db import migrations

from tenancy.rls import TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0002_row_level_security"),
        ("sites", "0003_row_level_security"),
        ("visitors", "0007_pin_lookup_search_path"),
    ]

    operations = [
        TenantForeignKeys("badgeassignment", ["template", "site", "desk", "visit_type"]),
        TenantForeignKeys("badgeprint", ["visit", "template_version", "desk", "site"]),
        TenantForeignKeys("badgetemplate", ["logo", "current"]),
        TenantForeignKeys("badgetemplateversion", ["template", "logo"]),
    ]
