"""The purge's batches stay cheap on large tables: the candidate search follows
an index, a batch's query count does not grow with its rows, and the
(timestamp, id) cursor neither skips nor repeats rows that share a timestamp."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.lookups import IdArray
from config.registries import retention_types
from documents import storage
from documents.models import Attachment
from retention import batches, purge
from retention.models import ErasureRecord, PurgeBatch, PurgeProgress
from tenancy.scope import tenant_scope
from visitors.models import Visit

from .factories import Killed, days_ago, die_on_batch, old_visit, sha, stored_attachment

pytestmark = pytest.mark.django_db

INDEXES = {
    "visits": "retention_visit_pending_idx",
    "visitor_identities": "retention_visitor_pending_idx",
    "documents": "retention_attachment_pending_idx",
    "consents": "retention_consent_pending_idx",
}


@pytest.mark.parametrize("key", sorted(INDEXES))
def test_the_candidate_search_can_follow_the_purge_index(orgs, key):
    """If a type's pending() filter drifts from the index predicate of migration
    0004, the planner cannot use the index any more and every batch scans."""
    rtype = retention_types[key]
    with tenant_scope(orgs.a.org), connection.cursor() as cursor:
        # Tiny test tables: forbid the plans that would win on size alone, so
        # that only a usable index gives the (timestamp, id) order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        rows = purge.candidates(rtype, action="anonymise", cutoff=timezone.now())
        batch = batches.next_rows(
            rows,
            stamp=rtype.timestamp_field,
            on_time=True,
            cursor=10,
            cursor_at=days_ago(300),
            size=1000,
        )
        plan = batch.explain()
    assert INDEXES[key] in plan, plan


def _queries_of_a_purge(org_fixture, visits: int) -> int:
    with tenant_scope(org_fixture.org):
        for _ in range(visits):
            stored_attachment(org_fixture, old_visit(org_fixture))
        run = purge.start_run(organization=org_fixture.org)
    with CaptureQueriesContext(connection) as queries:
        purge.execute(org_fixture.org.pk, run.pk)
    with tenant_scope(org_fixture.org):
        assert PurgeProgress.objects.get(run=run, data_type="visits").rows_anonymised == visits
    return len(queries)


def test_a_batch_costs_the_same_number_of_queries_whatever_its_rows(orgs, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    assert _queries_of_a_purge(orgs.a, 2) == _queries_of_a_purge(orgs.b, 12)


def test_rows_sharing_a_timestamp_are_purged_once_each_across_batches_and_a_restart(
    orgs, settings, monkeypatch
):
    settings.RETENTION_BATCH_SIZE = 2
    same = days_ago(200)
    with tenant_scope(orgs.a.org):
        ids = [old_visit(orgs.a).pk for _ in range(7)]
        Visit.objects.filter(pk__in=ids).update(expected_at=same, expected_until=same)
        run = purge.start_run(organization=orgs.a.org)

    revive = die_on_batch(monkeypatch, 3)
    with pytest.raises(Killed):
        purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        half = PurgeProgress.objects.get(run=run, data_type="visits")
        assert (half.rows_anonymised, half.cursor_at) == (4, same)
    revive()
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        visits = PurgeProgress.objects.get(run=run, data_type="visits")
        assert visits.rows_anonymised == 7
        assert visits.digest == sha(ids)
        assert (visits.oldest, visits.newest) == (same, same)
        recorded = [i for b in PurgeBatch.objects.filter(progress=visits) for i in b.ids]
        assert sorted(recorded) == sorted(ids)
        assert ErasureRecord.objects.filter(run=run, data_type="visits").count() == 4
        assert not Visit.objects.filter(pk__in=ids, visitor__isnull=False).exists()


def test_a_run_left_with_an_id_cursor_resumes_without_double_work(orgs, settings, monkeypatch):
    """A run interrupted before the (timestamp, id) cursor existed has only an id:
    it starts the search again from the oldest row, and rows already done are
    not pending any more."""
    settings.RETENTION_BATCH_SIZE = 2
    with tenant_scope(orgs.a.org):
        ids = [old_visit(orgs.a, days=200 - i).pk for i in range(5)]
        run = purge.start_run(organization=orgs.a.org)
    revive = die_on_batch(monkeypatch, 2)
    with pytest.raises(Killed):
        purge.execute(orgs.a.org.pk, run.pk)
    revive()
    with tenant_scope(orgs.a.org):
        PurgeProgress.objects.filter(run=run, data_type="visits").update(cursor=ids[1], cursor_at=None)
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        visits = PurgeProgress.objects.get(run=run, data_type="visits")
        assert (visits.rows_anonymised, visits.digest) == (5, sha(ids))


def test_the_digest_the_database_computes_is_purge_digest(orgs):
    with tenant_scope(orgs.a.org):
        for _ in range(3):
            old_visit(orgs.a)
        run = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        for progress in PurgeProgress.objects.filter(run=run):
            ids = [i for b in PurgeBatch.objects.filter(progress=progress) for i in b.ids]
            assert progress.digest == batches.stored_digest(progress) == purge.digest(ids)
        assert PurgeProgress.objects.get(run=run, data_type="journal").digest == purge.digest([])


def test_any_of_takes_a_list_or_an_id_array(orgs):
    with tenant_scope(orgs.a.org):
        ids = sorted(old_visit(orgs.a).pk for _ in range(3))
        for value in (
            ids[:2],
            IdArray(ids[:2]),
            IdArray(IdArray(ids[:2])),
            IdArray(f"{{{ids[0]},{ids[1]}}}"),
        ):
            assert sorted(Visit.objects.filter(pk__any_of=value).values_list("pk", flat=True)) == ids[:2]
        assert not Visit.objects.filter(pk__any_of=[]).exists()


def test_oldest_and_newest_cover_only_the_rows_really_done(orgs, settings, tmp_path, monkeypatch):
    """A file that cannot be removed keeps its attachment pending: the documents
    type's proof leaves that row out (ids, digest, timestamps)."""
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_scope(orgs.a.org):
        done_visit, stuck_visit = old_visit(orgs.a), old_visit(orgs.a)
        done, stuck = stored_attachment(orgs.a, done_visit), stored_attachment(orgs.a, stuck_visit)
        Attachment.objects.filter(pk=done.pk).update(uploaded_at=days_ago(300))
        Attachment.objects.filter(pk=stuck.pk).update(uploaded_at=days_ago(400))
        # The visits are recent: only the documents type's own policy reaches the files.
        Visit.objects.filter(pk__in=[done_visit.pk, stuck_visit.pk]).update(
            expected_at=timezone.now(), expected_until=timezone.now() + datetime.timedelta(hours=1)
        )
        run = purge.start_run(organization=orgs.a.org)
    real = storage.remove
    monkeypatch.setattr(storage, "remove", lambda store, key: key != stuck.storage_key and real(store, key))
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        documents = PurgeProgress.objects.get(run=run, data_type="documents")
        assert (documents.rows_anonymised, documents.object_failures) == (1, [stuck.storage_key])
        assert documents.digest == sha([done.pk])
        uploaded = Attachment.objects.get(pk=done.pk).uploaded_at
        assert (documents.oldest, documents.newest) == (uploaded, uploaded)
        [ledger] = ErasureRecord.objects.filter(run=run, data_type="documents")
        assert ledger.ids == [done.pk]
