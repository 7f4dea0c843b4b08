"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys)."""

from django.db import migrations

from tenancy.rls import TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_row_level_security"),
        ("sites", "0003_row_level_security"),
        ("tenancy", "0003_pin_token_lookup_search_path"),
        ("visitors", "0007_pin_lookup_search_path"),
    ]

    operations = [
        TenantForeignKeys("attachment", ["visit", "visitor", "site"]),
        TenantForeignKeys("consentrequirement", ["consent_text", "visit_type"]),
        TenantForeignKeys("consenttext", ["current_version"]),
        TenantForeignKeys("consentversion", ["consent_text"]),
        TenantForeignKeys("documentarchive", ["requested_by"]),
        TenantForeignKeys("signedconsent", ["visit", "visitor", "site", "version"]),
    ]
