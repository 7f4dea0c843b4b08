"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys);
link tables of many-to-many fields are under row-level security (EnableLinkRLS)."""

from django.db import migrations

from tenancy.rls import EnableLinkRLS, TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_row_level_security"),
        ("sites", "0003_row_level_security"),
        ("tenancy", "0003_pin_token_lookup_search_path"),
        ("visitors", "0007_pin_lookup_search_path"),
    ]

    operations = [
        TenantForeignKeys("message", ["rule", "site"]),
        EnableLinkRLS("recipientlist", "members"),
        EnableLinkRLS("notificationrule", "sites"),
        EnableLinkRLS("notificationrule", "desks"),
        EnableLinkRLS("notificationrule", "visit_types"),
        EnableLinkRLS("notificationrule", "lists"),
    ]
