"""Foreign keys between tenant tables carry the organization, so the database
itself refuses a row of one organization pointing into another (foreign-key
checks run past row-level security: a single-column key would accept it)."""

import pytest
from django.db import IntegrityError, connection

from tenancy.scope import tenant_scope
from visitors.models import Visit
from visitors.tests.factories import make_visit, make_visitor

TENANT_TABLES = """
    SELECT c.oid FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE a.attname = 'organization_id' AND NOT a.attisdropped AND c.relkind = 'r'
      AND c.relnamespace = 'public'::regnamespace
"""


def foreign_keys_between_tenant_tables():
    """(table, columns, referenced table, referenced columns) of every such key."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT con.conrelid::regclass::text, "
            "  array(SELECT attname FROM unnest(con.conkey) k JOIN pg_attribute a "
            "        ON a.attrelid = con.conrelid AND a.attnum = k ORDER BY attname), "
            "  con.confrelid::regclass::text, "
            "  array(SELECT attname FROM unnest(con.confkey) k JOIN pg_attribute a "
            "        ON a.attrelid = con.confrelid AND a.attnum = k ORDER BY attname) "
            f"FROM pg_constraint con WHERE con.contype = 'f' AND con.conrelid IN ({TENANT_TABLES}) "
            f"  AND con.confrelid IN ({TENANT_TABLES})"
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_every_foreign_key_between_tenant_tables_carries_the_organization():
    keys = foreign_keys_between_tenant_tables()
    composite = {
        (table, tuple(sorted(set(columns) - {"organization_id"})), target)
        for table, columns, target, target_columns in keys
        if "organization_id" in columns and target_columns == ["id", "organization_id"]
    }
    single = [
        (table, tuple(columns), target)
        for table, columns, target, _ in keys
        if "organization_id" not in columns
    ]
    assert len(single) >= 50  # visits, documents, badges, retention, ...
    missing = [
        f"{table}({', '.join(columns)}) -> {target}"
        for table, columns, target in single
        if (table, columns, target) not in composite
    ]
    assert missing == [], (
        "foreign keys between tenant tables without the organization (add tenancy.rls.TenantForeignKeys "
        f"to the migration): {missing}"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pointing_at", ["site", "visitor", "host"])
def test_a_visit_of_one_organization_pointing_into_another_is_refused_by_the_database(orgs, pointing_at):
    with tenant_scope(orgs.b.org):
        foreign = {"site": orgs.b.site, "visitor": make_visitor(orgs.b), "host": orgs.b.members["host"]}
    # The application role, organization A set: the key, not the API, refuses it.
    with pytest.raises(IntegrityError, match="tenant_fk"), tenant_scope(orgs.a.org):
        make_visit(orgs.a, **{pointing_at: foreign[pointing_at]})
    with tenant_scope(orgs.a.org):
        assert not Visit.objects.exists()
        make_visit(orgs.a)  # the same visit inside A is accepted
        assert Visit.objects.count() == 1
