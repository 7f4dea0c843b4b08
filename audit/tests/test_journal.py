"""The journal: chained, append-only, verifiable, holding ids only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from audit import services as audit
from audit.models import JournalEntry
from tenancy.scope import tenant_scope

BASE = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_record_chains_entries_and_verify_reports_ok(orgs):
    with tenant_scope(orgs.a.org):
        first = audit.record("site.updated", target=orgs.a.site, site=orgs.a.site, data={"fields": ["name"]})
        second = audit.record("desk.updated", target=orgs.a.desk, site=orgs.a.site)
        assert second.prev_hash == first.hash
        assert second.seq == first.seq + 1
        result = audit.verify(orgs.a.org)
    assert result.ok and result.checked == 2


@pytest.mark.django_db
def test_chains_are_per_organization(orgs):
    with tenant_scope(orgs.a.org):
        audit.record("site.updated", target=orgs.a.site)
    with tenant_scope(orgs.b.org):
        entry = audit.record("site.updated", target=orgs.b.site)
        assert entry.seq == 1 and entry.prev_hash == ""
        assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_personal_data_is_refused_in_journal_data(orgs):
    with tenant_scope(orgs.a.org), pytest.raises(ValueError, match="personal data"):
        audit.record("visit.arrived", data={"email": "someone@example.com"})


@pytest.mark.django_db
def test_update_and_delete_of_journal_rows_are_refused_by_the_database(orgs):
    with tenant_scope(orgs.a.org):
        entry = audit.record("site.updated", target=orgs.a.site)
        for sql in (
            "UPDATE audit_journalentry SET verb = 'x' WHERE id = %s",
            "DELETE FROM audit_journalentry WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
        assert JournalEntry.objects.get(pk=entry.pk).verb == "site.updated"


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_even_the_owner_cannot_rewrite_the_journal_outside_the_purge_function(orgs):
    with tenant_scope(orgs.a.org):
        entry = audit.record("site.updated", target=orgs.a.site)
    owner = connections["owner"]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(using="owner"):
        with owner.cursor() as cursor:
            cursor.execute("UPDATE audit_journalentry SET verb = 'x' WHERE id = %s", [entry.pk])
    owner.close()


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_tampering_is_found_by_verify_journal_with_the_broken_entry(orgs):
    with tenant_scope(orgs.a.org):
        for i in range(3):
            audit.record("site.updated", target=orgs.a.site, data={"i": i})
    owner = connections["owner"]
    with transaction.atomic(using="owner"), owner.cursor() as cursor:
        # An attacker with the owner's rights and the trigger switched off.
        cursor.execute("ALTER TABLE audit_journalentry DISABLE TRIGGER audit_journal_append_only")
        cursor.execute(
            "UPDATE audit_journalentry SET data = '{\"i\": 99}' WHERE organization_id = %s AND seq = 2",
            [orgs.a.org.pk],
        )
        cursor.execute("ALTER TABLE audit_journalentry ENABLE TRIGGER audit_journal_append_only")
    owner.close()
    with pytest.raises(CommandError, match="#2"):
        call_command("verify_journal", organization=orgs.a.org.slug)
    call_command("verify_journal", organization=orgs.b.org.slug)  # B is untouched


@pytest.mark.django_db(transaction=True)
def test_journal_chain_stays_linear_with_two_concurrent_writer_processes(orgs):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    script = (
        "import django; django.setup()\n"
        "from audit import services as audit\n"
        "from tenancy.scope import tenant_scope\n"
        f"for i in range(200):\n"
        f"    with tenant_scope({orgs.a.org.pk}):\n"
        "        audit.record('test.concurrent', data={'i': i})\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_OWNER_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    writers = [subprocess.Popen([sys.executable, "-c", script], env=env, cwd=BASE) for _ in range(2)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with tenant_scope(orgs.a.org):
        result = audit.verify(orgs.a.org)
        assert JournalEntry.objects.filter(verb="test.concurrent").count() == 400
    assert result.ok, result
    assert result.last_seq >= 400


@pytest.mark.django_db
def test_after_commit_subscribers_run_in_a_tenant_scope(orgs, django_capture_on_commit_callbacks):
    seen = []

    def handler(entry):
        from sites.models import Site

        seen.append((entry.verb, Site.objects.count()))

    audit.on("test.subscribed", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True), tenant_scope(orgs.a.org):
            audit.record("test.subscribed")
    finally:
        audit._after_commit["test.subscribed"].remove(handler)
    assert seen == [("test.subscribed", 2)]


@pytest.mark.django_db
def test_in_transaction_subscribers_roll_back_with_the_event(orgs):
    calls = []
    audit.on("test.outbox", lambda entry: calls.append(entry.seq), in_transaction=True)
    try:
        with tenant_scope(orgs.a.org):
            with pytest.raises(RuntimeError), transaction.atomic():
                audit.record("test.outbox")
                raise RuntimeError("boom")
            assert not JournalEntry.objects.filter(verb="test.outbox").exists()
    finally:
        audit._in_transaction["test.outbox"].clear()
    assert len(calls) == 1
