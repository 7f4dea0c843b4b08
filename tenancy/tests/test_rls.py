"""Row-level security holds even when Python code forgets the scope."""

import pytest
from django.db import DatabaseError, connection, connections, transaction

from sites.models import Site
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db


def tenant_tables():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "  (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE a.attname = 'organization_id' AND c.relkind = 'r' AND NOT a.attisdropped "
            "  AND c.relnamespace = 'public'::regnamespace"
        )
        return cursor.fetchall()


def link_tables():
    """Tables without an organization of their own that point at tenant rows:
    the link tables of many-to-many fields between tenant models."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH tenant AS ("
            "  SELECT c.oid FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            "  WHERE a.attname = 'organization_id' AND c.relkind = 'r' AND NOT a.attisdropped"
            "    AND c.relnamespace = 'public'::regnamespace) "
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "  (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
            "FROM pg_class c WHERE c.oid NOT IN (SELECT oid FROM tenant) AND c.relkind = 'r' "
            "  AND c.relnamespace = 'public'::regnamespace "
            "  AND EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype = 'f' "
            "              AND con.confrelid IN (SELECT oid FROM tenant))"
        )
        return cursor.fetchall()


def test_every_link_table_has_forced_rls_and_a_policy():
    rows = link_tables()
    names = {name for name, *_ in rows}
    assert {"notifications_recipientlist_members", "tenancy_membership_sites"} <= names
    missing = [name for name, enabled, forced, policies in rows if not (enabled and forced and policies)]
    assert missing == [], (
        f"link tables without forced row-level security (tenancy.rls.EnableLinkRLS): {missing}"
    )


def test_a_link_into_another_organization_is_refused_and_links_stay_apart(orgs):
    from notifications.models import RecipientList

    with tenant_scope(orgs.b.org):
        b_list = RecipientList.objects.create(organization=orgs.b.org, name="Sécurité B")
        b_list.members.add(orgs.b.members["admin"])
    with tenant_scope(orgs.a.org):
        a_list = RecipientList.objects.create(organization=orgs.a.org, name="Accueil A")
        a_list.members.add(orgs.a.members["reception"])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT recipientlist_id FROM notifications_recipientlist_members")
            assert cursor.fetchall() == [(a_list.pk,)]  # B's link is not seen
        for list_id, member in ((a_list.pk, orgs.b.members["admin"]), (b_list.pk, orgs.a.members["admin"])):
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO notifications_recipientlist_members (recipientlist_id, membership_id) "
                        "VALUES (%s, %s)",
                        [list_id, member.pk],
                    )
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            a_list.members.add(orgs.b.members["host"])
        assert list(a_list.members.all()) == [orgs.a.members["reception"]]
    with tenant_scope(orgs.b.org):
        assert list(b_list.members.all()) == [orgs.b.members["admin"]]


def test_every_tenant_table_has_forced_rls_and_a_policy():
    rows = tenant_tables()
    assert len(rows) >= 6  # membership, apitoken, site, desk, journal entry, journal head
    missing = [name for name, enabled, forced, policies in rows if not (enabled and forced and policies)]
    assert missing == [], f"tables without forced row-level security: {missing}"


def test_raw_sql_without_organization_setting_sees_no_rows(orgs):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.organization_id', '', true)")
        cursor.execute("SELECT count(*) FROM sites_site")
        assert cursor.fetchone()[0] == 0
    with tenant_scope(orgs.a.org), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sites_site")
        assert cursor.fetchone()[0] == 2  # only A's two sites, though B has two more


def test_inserting_a_row_for_another_organization_is_refused_by_the_database(orgs):
    with tenant_scope(orgs.a.org), pytest.raises(DatabaseError, match="row-level security"):
        with transaction.atomic():
            Site.objects.create(organization=orgs.b.org, name="Smuggled")
    with tenant_scope(orgs.b.org):
        assert not Site.objects.filter(name="Smuggled").exists()


def test_updating_another_organizations_row_changes_nothing(orgs):
    with tenant_scope(orgs.a.org), connection.cursor() as cursor:
        cursor.execute("UPDATE sites_site SET name = 'hijacked' WHERE id = %s", [orgs.b.site.pk])
        assert cursor.rowcount == 0
    with tenant_scope(orgs.b.org):
        assert Site.objects.get(pk=orgs.b.site.pk).name == "Org B HQ"


def test_application_role_is_neither_owner_nor_bypassing_rls():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute("SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'sites_site'")
        assert cursor.fetchone() == (False,)


def test_orm_query_outside_a_scope_raises():
    from django_scopes import ScopeError

    with pytest.raises(ScopeError):
        list(Site.objects.all())


@pytest.mark.django_db(databases=["default", "owner"])
def test_owner_connection_exists_for_migrations_and_backups():
    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (True,)
