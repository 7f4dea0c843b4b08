"""No function the application role may execute reaches another tenant.

PostgreSQL lets PUBLIC execute every new function, and a SECURITY DEFINER
function runs with its owner's rights, past row-level security: each such
function is one door between tenants. These tests list the doors."""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from audit import services as audit
from audit.models import JournalEntry
from tenancy.grants import APP_FUNCTIONS, OUR_FUNCTIONS, signature
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db


def our_functions():
    """(signature, security definer?, settings) of every function of our schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.oid::regprocedure::text, p.prosecdef, coalesce(p.proconfig, '{{}}'), "
            "  has_function_privilege(%s, p.oid, 'EXECUTE') "
            f"FROM pg_proc p WHERE p.oid::regprocedure::text IN ({OUR_FUNCTIONS})",
            [settings.DATABASE_APP_ROLE],
        )
        return [
            (signature(name), definer, config, executable) for name, definer, config, executable in cursor
        ]


def test_the_application_role_executes_only_the_allowed_functions():
    functions = our_functions()
    assert len(functions) >= 10  # lookups, search, exports, triggers, the journal purge
    executable = {name for name, _definer, _config, may in functions if may}
    unexpected = executable - set(APP_FUNCTIONS)
    assert not unexpected, (
        f"the application role may execute {sorted(unexpected)}: revoke it, or add it to "
        "tenancy.grants.APP_FUNCTIONS saying why it cannot reach another tenant"
    )
    # Every allowed function exists and is granted (a stale entry is a typo).
    assert executable == set(APP_FUNCTIONS)


def test_public_executes_none_of_our_functions():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.oid::regprocedure::text FROM pg_proc p, aclexplode(p.proacl) acl "
            f"WHERE p.oid::regprocedure::text IN ({OUR_FUNCTIONS}) AND acl.grantee = 0"
        )
        assert cursor.fetchall() == []
        # A function without an ACL at all has PostgreSQL's default: PUBLIC executes it.
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            f"WHERE p.proacl IS NULL AND p.oid::regprocedure::text IN ({OUR_FUNCTIONS})"
        )
        assert cursor.fetchall() == []


def test_every_security_definer_function_pins_its_search_path_with_pg_temp_last():
    definers = [(name, config) for name, definer, config, _may in our_functions() if definer]
    assert definers, "expected the lookups to be SECURITY DEFINER"
    unpinned = [
        name
        for name, config in definers
        if not any(item.startswith("search_path=") and item.endswith("pg_temp") for item in config)
    ]
    assert unpinned == [], f"SECURITY DEFINER functions without search_path = ..., pg_temp: {unpinned}"


def journal_of(org):
    with tenant_scope(org):
        return JournalEntry.objects.count()


def test_the_application_role_cannot_purge_another_organizations_journal(orgs):
    """The attack found in issue 15: scoped to organization A, purge B's journal."""
    with tenant_scope(orgs.b.org):
        for i in range(3):
            audit.record("site.updated", target=orgs.b.site, data={"i": i})
    before = journal_of(orgs.b.org)
    with tenant_scope(orgs.a.org), pytest.raises(DatabaseError, match="permission denied"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT audit_purge_journal(%s, now())", [orgs.b.org.pk])
    # Nor its own organization's: the purge belongs to the retention worker.
    with tenant_scope(orgs.a.org), pytest.raises(DatabaseError, match="permission denied"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT audit_purge_journal(%s, now())", [orgs.a.org.pk])
    assert journal_of(orgs.b.org) == before >= 3
    call_command("verify_journal", organization=orgs.b.org.slug)


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_the_owner_purges_only_the_organization_its_transaction_names(orgs):
    with tenant_scope(orgs.a.org):
        for i in range(2):
            audit.record("site.updated", target=orgs.a.site, data={"i": i})
    with tenant_scope(orgs.b.org):
        audit.record("site.updated", target=orgs.b.site)
    later = timezone.now() + datetime.timedelta(seconds=1)
    owner = connections["owner"]
    try:
        for scoped_to in (None, orgs.a.org.pk):
            with pytest.raises(DatabaseError, match="outside its tenant scope"):
                with transaction.atomic(using="owner"), owner.cursor() as cursor:
                    if scoped_to:
                        cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(scoped_to)])
                    cursor.execute("SELECT audit_purge_journal(%s, %s)", [orgs.b.org.pk, later])
        with transaction.atomic(using="owner"), owner.cursor() as cursor:
            cursor.execute("SELECT set_config('app.organization_id', %s, true)", [str(orgs.a.org.pk)])
            cursor.execute("SELECT audit_purge_journal(%s, %s)", [orgs.a.org.pk, later])
            assert cursor.fetchone()[0] >= 2
    finally:
        owner.close()
    assert journal_of(orgs.a.org) == 0
    assert journal_of(orgs.b.org) >= 1
    call_command("verify_journal", organization=orgs.a.org.slug)
    call_command("verify_journal", organization=orgs.b.org.slug)
