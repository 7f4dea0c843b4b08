"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys);
link tables of many-to-many fields are under row-level security (EnableLinkRLS)."""

from django.db import migrations

from tenancy.rls import EnableLinkRLS, TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("backups", "0003_pin_ticket_index_search_path"),
        ("sites", "0003_row_level_security"),
    ]

    operations = [
        TenantForeignKeys("supportgrant", ["ticket"]),
        TenantForeignKeys("ticketattachment", ["ticket"]),
        TenantForeignKeys("ticketcomment", ["ticket"]),
        EnableLinkRLS("restoreticket", "sites"),
    ]
