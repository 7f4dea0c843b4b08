"""Indexes for the purge's candidate search, on the tables of the data types it
walks in batches (retention/purge.py): each batch takes the next rows after a
(timestamp, id) cursor among the rows still to anonymise, so the index holds
exactly those rows, in that order, per organization. Rows leave the index once
anonymised: a nightly run reads only what is left to do, never the years of
rows already done, whatever the size of the table.

The predicates repeat the types' `pending()` filters (visitors/retention.py,
documents/retention.py); a test checks that the planner can still use each
index for the purge's query (retention/tests/test_batches.py).

CONCURRENTLY: the tables are large and written all day; a plain CREATE INDEX
would block every visit registration while it builds.
"""

from django.db import migrations

INDEXES = {
    "retention_visit_pending_idx": (
        "visitors_visit",
        "organization_id, expected_until, id",
        "visitor_id IS NOT NULL OR notes <> '' OR cancellation_reason <> '' "
        "OR refusal_reason <> '' OR override_reason <> ''",
    ),
    "retention_visitor_pending_idx": ("visitors_visitor", "organization_id, created_at, id", "anonymized_at IS NULL"),
    "retention_attachment_pending_idx": (
        "documents_attachment",
        "organization_id, uploaded_at, id",
        "purged_at IS NULL",
    ),
    "retention_consent_pending_idx": (
        "documents_signedconsent",
        "organization_id, signed_at, id",
        "anonymised_at IS NULL",
    ),
}


def _operation(name, table, columns, predicate):
    return migrations.RunSQL(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns}) WHERE {predicate}",
        f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("retention", "0003_purgeprogress_cursor_at"),
        ("visitors", "0005_visitor_search_function"),
        ("documents", "0002_row_level_security"),
    ]

    operations = [_operation(name, *spec) for name, spec in INDEXES.items()]
