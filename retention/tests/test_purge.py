"""The nightly purge: anonymisation, proof, batches, resumption, holds, isolation."""

import pytest

from audit.models import JournalEntry
from retention import purge, services
from retention.models import ErasureRecord, PurgeProgress, PurgeRun, RunStatus
from retention.purge import digest
from tenancy.scope import tenant_scope
from visitors.models import Visit, Visitor

from .factories import Killed, die_on_batch, old_visit, sha

pytestmark = pytest.mark.django_db


def _progress(run, data_type):
    return PurgeProgress.objects.get(run=run, data_type=data_type, site__isnull=True)


def test_purge_anonymises_old_visits_keeping_what_dashboards_count(orgs):
    with tenant_scope(orgs.a.org):
        old = [old_visit(orgs.a) for _ in range(3)]
        recent = old_visit(orgs.a, days=10)
        before = {v.pk: (v.site_id, v.desk_id, v.visit_type_id, v.expected_at, v.departed_at) for v in old}
        run = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        for visit in Visit.objects.filter(pk__in=before):
            assert visit.visitor_id is None
            assert visit.notes == ""
            assert (
                visit.site_id,
                visit.desk_id,
                visit.visit_type_id,
                visit.expected_at,
                visit.departed_at,
            ) == (before[visit.pk])
        kept = Visit.objects.get(pk=recent.pk)
        assert kept.visitor.first_name == "Hélène"
        blanked = Visitor.objects.filter(anonymized_at__isnull=False)
        assert blanked.count() == 3
        assert set(blanked.values_list("email", "phone", "company")) == {("", "", "")}
        run.refresh_from_db()
        assert run.status == RunStatus.DONE
        visits = _progress(run, "visits")
        assert visits.rows_anonymised == 3
        assert visits.digest == sha(before)
        assert visits.oldest == min(v.expected_until for v in old)
        entry = JournalEntry.objects.get(verb="retention.purged")
        by_type = {t["data_type"]: t for t in entry.data["types"]}
        assert by_type["visits"]["rows_anonymised"] == 3
        assert by_type["visits"]["digest"] == visits.digest
        assert entry.data["digest"] == run.digest
        ledger = ErasureRecord.objects.filter(data_type="visits", run=run)
        assert sorted(i for r in ledger for i in r.ids) == sorted(before)


def test_a_second_run_does_no_double_work(orgs):
    with tenant_scope(orgs.a.org):
        old_visit(orgs.a)
        first = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, first.pk)
    with tenant_scope(orgs.a.org):
        second = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, second.pk)
    with tenant_scope(orgs.a.org):
        assert _progress(second, "visits").rows_anonymised == 0
        assert _progress(second, "visitor_identities").rows_anonymised == 0


def test_a_killed_worker_s_run_is_finished_with_the_same_counts_and_digest(orgs, settings, monkeypatch):
    settings.RETENTION_BATCH_SIZE = 2
    with tenant_scope(orgs.a.org):
        ids = [old_visit(orgs.a).pk for _ in range(7)]
        dry = {e["data_type"]: e for e in purge.dry_run(orgs.a.org)}
        run = purge.start_run(organization=orgs.a.org)
    with tenant_scope(orgs.b.org):
        reference_ids = [old_visit(orgs.b).pk for _ in range(7)]
        reference = purge.start_run(organization=orgs.b.org)
    purge.execute(orgs.b.org.pk, reference.pk)  # never interrupted

    # The rows are changed, then the worker dies before commit.
    revive = die_on_batch(monkeypatch, 3, after_changes=True)
    with pytest.raises(Killed):
        purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING
        half = _progress(run, "visits")
        assert half.rows_anonymised == 4  # two batches committed, the third rolled back
        assert Visit.objects.filter(visitor__isnull=True).count() == 4
    revive()
    assert purge.run_pending(orgs.a.org.pk) == [run.pk]
    with tenant_scope(orgs.a.org):
        run.refresh_from_db()
        visits = _progress(run, "visits")
        assert run.status == RunStatus.DONE
        assert visits.rows_anonymised == 7 == dry["visits"]["count"]
        assert visits.digest == sha(ids)
        assert ErasureRecord.objects.filter(data_type="visits").values_list("ids", flat=True).count() == 4
    with tenant_scope(orgs.b.org):
        uninterrupted = _progress(reference, "visits")
        assert uninterrupted.rows_anonymised == visits.rows_anonymised
        assert uninterrupted.digest == sha(reference_ids)
        assert uninterrupted.objects_deleted == visits.objects_deleted


def test_held_rows_are_skipped_and_counted(orgs):
    with tenant_scope(orgs.a.org):
        free = old_visit(orgs.a)
        held = old_visit(orgs.a, site=orgs.a.site2)
        hold = services.place_hold(organization=orgs.a.org, reason="Litige n°12", sites=[orgs.a.site2])
        run = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        visits = _progress(run, "visits")
        assert (visits.rows_anonymised, visits.rows_held) == (1, 1)
        assert Visit.objects.get(pk=held.pk).visitor.first_name == "Hélène"
        assert Visit.objects.get(pk=free.pk).visitor is None
        identities = _progress(run, "visitor_identities")
        assert identities.rows_held == 1
        assert Visitor.objects.get(pk=held.visitor_id).anonymized_at is None
        assert JournalEntry.objects.filter(verb="retention.hold_placed", target_id=str(hold.pk)).exists()
        services.release_hold(hold=hold)
        again = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, again.pk)
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=held.pk).visitor is None


def test_per_site_policy_overrides_the_organization_s(orgs):
    from retention import policies

    with tenant_scope(orgs.a.org):
        at_plant = old_visit(orgs.a, days=60, site=orgs.a.site2)
        at_hq = old_visit(orgs.a, days=60)
        policies.create_site_policy(
            organization=orgs.a.org,
            data_type="visits",
            site=orgs.a.site2,
            consultation_days=30,
            retention_days=120,
            action="anonymise",
        )
        policy = policies.policies(orgs.a.org).get(data_type="visits", site__isnull=True)
        policies.update_policy(policy=policy, consultation_days=10, retention_days=30, action="anonymise")
        from django.utils import timezone

        run = purge.start_run(
            organization=orgs.a.org, now=timezone.now() + __import__("datetime").timedelta(days=2)
        )
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=at_hq.pk).visitor is None
        assert Visit.objects.get(pk=at_plant.pk).visitor is not None


def test_a_purge_in_one_organization_touches_no_row_of_another(orgs):
    def snapshot(org):
        with tenant_scope(org.org):
            return (
                sorted(Visit.objects.values_list("pk", "visitor_id", "notes", "updated_at")),
                sorted(Visitor.objects.values_list("pk", "first_name", "email", "anonymized_at")),
                JournalEntry.objects.count(),
                PurgeRun.objects.count(),
                ErasureRecord.objects.count(),
            )

    with tenant_scope(orgs.a.org):
        for _ in range(3):
            old_visit(orgs.a)
    with tenant_scope(orgs.b.org):
        for _ in range(3):
            old_visit(orgs.b)
    before = snapshot(orgs.b)
    with tenant_scope(orgs.a.org):
        run = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, run.pk)
    assert snapshot(orgs.b) == before
    with tenant_scope(orgs.a.org):
        assert Visit.objects.filter(visitor__isnull=False).count() == 0


def test_erasure_ledger_lists_erasures_since_a_moment(orgs):
    from django.utils import timezone

    moment = timezone.now()
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a)
        run = purge.start_run(organization=orgs.a.org)
    purge.execute(orgs.a.org.pk, run.pk)
    with tenant_scope(orgs.a.org):
        records = list(purge.erasures_since(orgs.a.org, moment))
        assert {(r.data_type, r.action) for r in records} >= {
            ("visits", "anonymise"),
            ("visitor_identities", "anonymise"),
        }
        assert visit.pk in next(r for r in records if r.data_type == "visits").ids
        assert list(purge.erasures_since(orgs.a.org, timezone.now())) == []


def test_digest_is_sha256_over_sorted_ids():
    assert digest([3, 1, 2]) == sha([1, 2, 3])
