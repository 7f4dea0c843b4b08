"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys);
link tables of many-to-many fields are under row-level security (EnableLinkRLS)."""

from django.db import migrations

from tenancy.rls import EnableLinkRLS, TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0003_pin_token_lookup_search_path"),
        ("sites", "0003_row_level_security"),
    ]

    operations = [
        TenantForeignKeys("apitoken", ["membership"]),
        EnableLinkRLS("membership", "sites"),
    ]
