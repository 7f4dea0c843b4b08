"""Screens, reports, holds through the API, the nightly schedule, archive access."""

import datetime
import io
import zoneinfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audit.models import JournalEntry
from retention import archive, purge, services, tasks
from retention.models import ArchiveAccess, PurgeRun, RunKind
from tenancy.scope import tenant_scope
from visitors.models import Visit

from .factories import old_visit

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _done_run(org_fixture):
    with tenant_scope(org_fixture.org):
        old_visit(org_fixture)
        run = purge.start_run(organization=org_fixture.org)
    purge.execute(org_fixture.org.pk, run.pk)
    return run


def test_main_page_lists_policies_and_runs(orgs, client_for):
    run = _done_run(orgs.a)
    page = client_for(orgs.a.members["admin"]).get("/retention/").content.decode()
    assert "Conservation" in page  # French first
    assert f"/retention/runs/{run.pk}/" in page


def test_purge_report_downloads_as_csv_and_pdf(orgs, client_for):
    run = _done_run(orgs.a)
    client = client_for(orgs.a.members["compliance"])
    csv_response = client.get(f"/retention/runs/{run.pk}/report.csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode()
    run.refresh_from_db()
    assert run.digest in text
    assert "Visites" in text and "visits" not in text  # the data type in words
    pdf = client.get(f"/api/v1/purge-runs/{run.pk}/report.pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    extracted = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert run.digest[:16] in extracted.replace("\n", "")


def test_running_purge_polls_its_progress_and_stops_when_done(orgs, client_for):
    with tenant_scope(orgs.a.org):
        for _ in range(4):
            old_visit(orgs.a)
        run = purge.start_run(organization=orgs.a.org)
    client = client_for(orgs.a.members["admin"])
    polling = client.get(f"/retention/runs/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in polling
    assert "0 / 8" in polling  # four visits and four identities
    purge.execute(orgs.a.org.pk, run.pk)
    done = client.get(f"/retention/runs/{run.pk}/progress/").content.decode()
    assert "hx-trigger" not in done
    assert 'value="100"' in done


def test_purge_now_queues_a_run_for_a_worker(orgs, client_for, django_capture_on_commit_callbacks):
    client = client_for(orgs.a.members["admin"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/purge-runs/", {"dry_run": False}, content_type="application/json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"data_types": ["dreams"]}, "data_types"),
        ({"period_start": "2026-05-01", "period_end": "2026-04-01"}, "period_end"),
        ({"ends_on": "2001-01-01"}, "ends_on"),
    ],
)
def test_bad_holds_are_400_naming_the_field(orgs, client_for, payload, field):
    client = client_for(orgs.a.members["compliance"])
    response = client.post(
        "/api/v1/legal-holds/", {"reason": "Litige", **payload}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_hold_placed_and_released_through_the_api_is_journaled(orgs, client_for):
    client = client_for(orgs.a.members["compliance"])
    created = client.post(
        "/api/v1/legal-holds/",
        {"reason": "Litige", "sites": [orgs.a.site.pk], "data_types": ["visits"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["active"] is True
    hold_id = created.json()["id"]
    assert client.delete(f"/api/v1/legal-holds/{hold_id}/").status_code == 204
    assert client.get(f"/api/v1/legal-holds/{hold_id}/").json()["active"] is False
    with tenant_scope(orgs.a.org):
        verbs = set(JournalEntry.objects.values_list("verb", flat=True))
    assert {"retention.hold_placed", "retention.hold_released"} <= verbs


def test_nightly_run_is_due_at_three_in_the_organization_s_time_zone(orgs):
    org = orgs.a.org
    before = datetime.datetime(2026, 3, 10, 2, 50, tzinfo=PARIS)
    after = datetime.datetime(2026, 3, 10, 3, 5, tzinfo=PARIS)
    with tenant_scope(org):
        assert services.nightly_due(org, before) is None
        run = services.nightly_due(org, after)
        assert (run.kind, run.local_date) == (RunKind.NIGHTLY, datetime.date(2026, 3, 10))
        assert services.nightly_due(org, after + datetime.timedelta(minutes=15)) is None
    org.timezone = "America/New_York"
    with tenant_scope(org):
        # 03:05 in Paris is still the night before in New York.
        assert services.nightly_due(org, after + datetime.timedelta(days=1)) is None


def test_the_beat_task_queues_each_due_organization_once(
    orgs, django_capture_on_commit_callbacks, monkeypatch
):
    three_fifteen = datetime.datetime.now(PARIS).replace(hour=3, minute=15)
    monkeypatch.setattr(timezone, "now", lambda: three_fifteen.astimezone(datetime.UTC))
    with django_capture_on_commit_callbacks(execute=False):
        assert tasks.schedule_nightly() == 2
        assert tasks.schedule_nightly() == 0
    with tenant_scope(orgs.b.org):
        assert PurgeRun.objects.filter(kind=RunKind.NIGHTLY).count() == 1


def test_task_runs_the_organization_s_pending_runs(orgs):
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a)
        run = purge.create_run(organization=orgs.a.org, kind=RunKind.NIGHTLY, local_date=timezone.localdate())
    assert tasks.purge_organization(orgs.a.org.pk) == [run.pk]
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).visitor is None


def test_data_past_consultation_leaves_daily_querysets(orgs):
    with tenant_scope(orgs.a.org):
        archived = old_visit(orgs.a, days=40)  # consultation is 30 days, retention 90
        current = old_visit(orgs.a, days=3)
        cutoff = archive.consultation_cutoff(orgs.a.org, "visits")
        assert timezone.now() - cutoff > datetime.timedelta(days=29)
        daily = archive.within_consultation(Visit.objects.all(), orgs.a.org, "visits")
        assert set(daily.values_list("pk", flat=True)) == {current.pk}
        past = archive.past_consultation(Visit.objects.all(), orgs.a.org, "visits")
        assert set(past.values_list("pk", flat=True)) == {archived.pk}


def test_archive_view_needs_a_stated_reason_which_is_journaled(orgs, client_for):
    with tenant_scope(orgs.a.org):
        archived = old_visit(orgs.a, days=40, last_name="Archivé")
    client = client_for(orgs.a.members["compliance"])
    blind = client.get("/retention/archive/?data_type=visits").content.decode()
    assert "Archivé" not in blind
    refused = client.post("/retention/archive/", {"data_type": "visits", "reason": ""})
    assert refused.status_code == 200
    with tenant_scope(orgs.a.org):
        assert not ArchiveAccess.objects.exists()
    opened = client.post(
        "/retention/archive/", {"data_type": "visits", "reason": "Contrôle CNIL"}, follow=True
    )
    assert "Archivé" in opened.content.decode()
    with tenant_scope(orgs.a.org):
        entry = JournalEntry.objects.get(verb="retention.archive_opened")
        # The journal shows why the archive was opened (issue 21).
        assert entry.data["data_type"] == "visits" and entry.data["reason"] == "Contrôle CNIL"
        assert ArchiveAccess.objects.get().reason == "Contrôle CNIL"
    assert archived.pk
    assert client_for(orgs.a.members["admin"]).get("/retention/archive/").status_code == 403


@pytest.mark.django_db(databases=["default", "owner"])
def test_a_second_worker_does_not_run_beside_a_live_one(orgs):
    from django.db import connections

    with tenant_scope(orgs.a.org):
        purge.create_run(organization=orgs.a.org)
    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [purge.LOCK_NAMESPACE, orgs.a.org.pk])
        try:
            assert purge.run_pending(orgs.a.org.pk) == []
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [purge.LOCK_NAMESPACE, orgs.a.org.pk])
    assert len(purge.run_pending(orgs.a.org.pk)) == 1


def test_a_run_left_behind_by_a_dead_worker_is_queued_again(orgs, django_capture_on_commit_callbacks):
    with tenant_scope(orgs.a.org):
        run = purge.create_run(organization=orgs.a.org)
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        PurgeRun.objects.filter(pk=run.pk).update(
            status="running", created_at=long_ago, heartbeat_at=long_ago
        )
        assert list(services.stale_runs(timezone.now())) == [run]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.schedule_nightly()
    assert len(callbacks) >= 1
