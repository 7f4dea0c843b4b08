"""What must hold after a purge: no personal data left anywhere, files gone
(or reported and retried), the journal still verifiable after its own purge."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from audit import services as audit
from audit.models import JournalEntry, JournalHead
from documents import storage
from documents.models import Attachment
from notifications.models import Message
from retention import purge
from retention.models import PurgeProgress, RunStatus
from tenancy.scope import tenant_scope
from visitors.models import Visitor

from .factories import days_ago, old_visit, stored_attachment

NAME, SURNAME, EMAIL, PHONE = (
    "Zéphyrine",
    "Quatremain-Ollivier",
    "zq.unique@example.test",
    "+33 6 98 76 54 32",
)


def _named_attachment(org_fixture, visit):
    """An attachment whose file name carries the visitor's name."""
    return stored_attachment(org_fixture, visit, original_name=f"{NAME} {SURNAME} passport.pdf")


def _text_columns():
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb', "
            "'ARRAY', 'USER-DEFINED') "
            "AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')"
        )
        return cursor.fetchall()


def _where_found(terms) -> list[str]:
    found = []
    owner = connections["owner"]
    with owner.cursor() as cursor:
        for table, column in _text_columns():
            q_table, q_column = owner.ops.quote_name(table), owner.ops.quote_name(column)
            condition = " OR ".join([f"{q_column}::text ILIKE %s"] * len(terms))
            cursor.execute(f"SELECT count(*) FROM {q_table} WHERE {condition}", [f"%{t}%" for t in terms])
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_after_a_purge_no_personal_data_of_purged_visits_remains_anywhere(orgs, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_scope(orgs.a.org):
        visits = [
            old_visit(orgs.a, first_name=NAME, last_name=SURNAME, cancellation_reason=f"{NAME} malade")
            for _ in range(2)
        ]
        Visitor.objects.filter(visits__in=visits).update(email=EMAIL, phone=PHONE)
        attachments = [_named_attachment(orgs.a, v) for v in visits]
        Message.objects.create(
            organization=orgs.a.org,
            channel="email",
            recipient=EMAIL,
            recipient_kind="visitor",
            event="visit.pre_registered",
            visit_id=visits[0].pk,
            site=orgs.a.site,
            language="fr",
            subject=f"Bienvenue {NAME}",
            body=f"Bonjour {NAME} {SURNAME}",
            status="sent",
        )
        audit.record("visit.arrived", target=visits[0], site=visits[0].site)
    terms = [NAME, SURNAME, EMAIL, "98 76 54 32"]
    assert len(_where_found(terms)) >= 5  # the search itself finds them before
    with tenant_scope(orgs.a.org):
        purge.create_run(organization=orgs.a.org)
    purge.run_pending(orgs.a.org.pk)
    assert _where_found(terms) == []
    for attachment in attachments:
        assert not (tmp_path / attachment.storage_key).exists()
    with tenant_scope(orgs.a.org):
        visits_progress = PurgeProgress.objects.get(data_type="visits")
        assert visits_progress.objects_deleted == 2
        assert visits_progress.rows_anonymised == 2


@pytest.mark.django_db
def test_a_storage_failure_is_reported_retried_and_never_claimed(orgs, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a)
        attachment = _named_attachment(orgs.a, visit)
        Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=days_ago(200))
        first = purge.start_run(organization=orgs.a.org)
    monkeypatch.setattr(storage, "remove", lambda store, key: False)
    purge.execute(orgs.a.org.pk, first.pk)
    with tenant_scope(orgs.a.org):
        progress = PurgeProgress.objects.get(run=first, data_type="visits")
        assert progress.objects_deleted == 0
        assert progress.object_failures == [attachment.storage_key]
        assert (tmp_path / attachment.storage_key).exists()
        assert Attachment.objects.get(pk=attachment.pk).purged_at is None
    monkeypatch.undo()
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_scope(orgs.a.org):
        second = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, second.pk)
    with tenant_scope(orgs.a.org):
        documents = PurgeProgress.objects.get(run=second, data_type="documents")
        assert documents.objects_deleted == 1
        assert documents.rows_anonymised == 1
        assert documents.object_failures == []
        assert not (tmp_path / attachment.storage_key).exists()
        assert Attachment.objects.get(pk=attachment.pk).purged_at is not None


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_the_journal_s_own_purge_leaves_a_verifiable_chain(orgs, settings):
    settings.RETENTION_BATCH_SIZE = 3
    with tenant_scope(orgs.a.org):
        for i in range(8):
            audit.record("test.old", data={"i": i})
        old_ids = set(JournalEntry.objects.values_list("pk", flat=True))
    with tenant_scope(orgs.b.org):
        audit.record("test.other")
        b_count = JournalEntry.objects.count()
    later = timezone.now() + datetime.timedelta(days=400)  # every entry is now past 12 months
    with tenant_scope(orgs.a.org):
        run = purge.start_run(organization=orgs.a.org, now=later)
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        run.refresh_from_db()
        assert run.status == RunStatus.DONE
        journal = PurgeProgress.objects.get(run=run, data_type="journal")
        assert journal.rows_deleted >= len(old_ids)
        remaining = set(JournalEntry.objects.values_list("pk", flat=True))
        assert not (old_ids & remaining)
        head = JournalHead.objects.get(organization=orgs.a.org)
        assert head.checkpoint_seq >= len(old_ids)
        assert JournalEntry.objects.filter(verb="retention.purged").count() == 1
        assert audit.verify(orgs.a.org).ok
    call_command("verify_journal", organization=orgs.a.org.slug)
    with tenant_scope(orgs.b.org):
        assert JournalEntry.objects.count() == b_count
