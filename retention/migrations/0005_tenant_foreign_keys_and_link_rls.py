"""Foreign keys between tenant tables carry the organization (tenancy.rls.TenantForeignKeys);
link tables of many-to-many fields are under row-level security (EnableLinkRLS)."""

from django.db import migrations

from tenancy.rls import EnableLinkRLS, TenantForeignKeys


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0004_purge_candidate_indexes"),
        ("sites", "0003_row_level_security"),
        ("visitors", "0007_pin_lookup_search_path"),
    ]

    operations = [
        TenantForeignKeys("erasurerecord", ["run", "subject_request"]),
        TenantForeignKeys("legalhold", ["visitor"]),
        TenantForeignKeys("purgebatch", ["progress"]),
        TenantForeignKeys("purgeprogress", ["run", "site"]),
        TenantForeignKeys("purgerun", ["subject_request"]),
        TenantForeignKeys("retentionpolicy", ["site"]),
        TenantForeignKeys("subjectrequest", ["refused_hold"]),
        EnableLinkRLS("legalhold", "sites"),
    ]
