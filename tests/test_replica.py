"""The streaming read replica (config/replica.py, tenancy/replica.py) on a real
hot standby: `pg_basebackup -R` of the embedded server, taken once per module
after the test database exists. The tests commit (a standby never sees an
uncommitted test transaction)."""

import datetime
import logging
import os
import shutil
import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from config import replica
from config.embedded import EmbeddedPostgres, pick_port
from reports import services
from reports.models import ExportJob, JobStatus
from sites.models import Site
from tenancy.replica import reading_replica
from tenancy.scope import activate, tenant_scope
from visitors.models import Visit
from visitors.tests.factories import make_visit, make_visitor

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

_today = datetime.date.today()
AROUND_NOW = {
    "period": "custom",
    "from": str(_today - datetime.timedelta(days=2)),
    "to": str(_today + datetime.timedelta(days=2)),
}


@pytest.fixture
def store(settings, tmp_path):
    """Export files go to a private folder, so a test can list what was written."""
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    storages._storages.pop("default", None)
    yield tmp_path / "media"
    storages._storages.pop("default", None)


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    """A hot standby of the test server, and the `replica` alias on it (the
    application role, the worker's test database)."""
    default = connections["default"].settings_dict
    # The server itself, not a pooler in front of it: the owner's line is direct.
    primary = connections["owner"].settings_dict
    embedded_port = int(os.environ.get("VESTIBULE_PG_PORT", "55432"))
    if int(primary["PORT"] or 5432) != embedded_port:
        pytest.skip(
            f"the standby is taken from the embedded server; this run's server is "
            f"{primary['HOST']}:{primary['PORT']}, whose replication this suite does not manage"
        )
    var = settings.VAR_DIR / "run" / f"standby-{default['NAME']}"
    server = EmbeddedPostgres(var, pick_port(embedded_port + 1000))
    if not (server.bin / "pg_basebackup").exists():
        pytest.skip("pg_basebackup is not installed with the embedded PostgreSQL")
    shutil.rmtree(var, ignore_errors=True)
    for folder in (server.data, server.run_dir, server.log.parent):
        folder.mkdir(parents=True)
    if server.user:
        for folder in (server.data, server.run_dir, server.log.parent):
            shutil.chown(folder, server.user)
        from config.embedded import _open_path_for  # the server user must reach its folders

        _open_path_for(var)
    server.data.chmod(0o700)
    server._cmd(
        "pg_basebackup",
        *("-h", "127.0.0.1", "-p", str(embedded_port), "-U", "postgres"),
        *("-D", str(server.data), "-R", "-X", "stream", "-c", "fast"),
    )
    server.start()
    alias = {**default, "PORT": str(server.port), "TEST": {"MIRROR": "default"}}
    alias["OPTIONS"] = {**default.get("OPTIONS", {}), "connect_timeout": 2}
    connections.settings[replica.REPLICA] = alias
    yield server
    with django_db_blocker.unblock():
        connections[replica.REPLICA].close()
    del connections[replica.REPLICA]
    del connections.settings[replica.REPLICA]
    server.stop()
    shutil.rmtree(var, ignore_errors=True)


@pytest.fixture
def bounds(settings, standby):
    """Short bounds so the tests take a fraction of a second; replay running."""
    settings.DATABASE_REPLICA_MAX_LAG = 0.3
    settings.DATABASE_REPLICA_WAIT = 0.5
    replica._down_until = 0.0
    yield standby
    standby.psql("SELECT pg_wal_replay_resume()")
    replica._down_until = 0.0


def caught_up(timeout=10.0):
    """Wait until the standby has replayed everything committed so far."""
    target = replica.primary_position()
    deadline = time.monotonic() + timeout
    with connections[replica.REPLICA].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.02)


def test_row_level_security_holds_on_the_replica(orgs, bounds):
    caught_up()
    with connections[replica.REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_user")
        assert cursor.fetchone() == (True, settings.DATABASE_APP_ROLE)
        # The application role with no tenant set: nothing, though both
        # organizations' sites are replicated there.
        cursor.execute("SELECT count(*) FROM sites_site")
        assert cursor.fetchone()[0] == 0
    with tenant_scope(orgs.a.org):
        assert Site.objects.count() == 2
        with reading_replica() as alias:
            assert alias == replica.REPLICA
            names = set(Site.objects.values_list("name", flat=True))
            with connections[replica.REPLICA].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM sites_site")
                raw = cursor.fetchone()[0]
    assert names == {"Org A HQ", "Org A Plant"} and raw == 2
    with reading_replica(organization_id=orgs.b.org.pk, since=None) as alias:
        assert alias == replica.REPLICA
        with connections[replica.REPLICA].cursor() as cursor:
            cursor.execute("SELECT name FROM sites_site ORDER BY name")
            assert [r[0] for r in cursor.fetchall()] == ["Org B HQ", "Org B Plant"]
            # A standby is read-only, whatever the role may do on the primary.
            activate(orgs.b.org.pk, None, using=replica.REPLICA)
            with pytest.raises(Exception, match="read-only"):
                cursor.execute("DELETE FROM sites_site")


def _export_after_a_write(orgs, client_for):
    """A visit written, then an export asked for at once by the same member."""
    with tenant_scope(orgs.a.org):
        visitor = make_visitor(orgs.a, first_name="Written-just-before")
        make_visit(orgs.a, visitor=visitor)
    admin = client_for(orgs.a.members["admin"])
    response = admin.post(
        "/api/v1/exports/",
        {"dataset": "visits", "columns": ["id", "visitor_first_name"], "filters": AROUND_NOW},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _file(job_id, org):
    with tenant_scope(org):
        job = ExportJob.objects.get(pk=job_id)
    assert job.status == JobStatus.DONE
    with services.export_storage().open(job.storage_key) as stored:
        return stored.read().decode("utf-8-sig")


def test_an_export_right_after_a_write_waits_for_the_replica_and_sees_it(orgs, client_for, bounds, store):
    caught_up()
    bounds.psql("SELECT pg_wal_replay_pause()")
    job_id = _export_after_a_write(orgs, client_for)
    with tenant_scope(orgs.a.org):
        assert ExportJob.objects.get(pk=job_id).read_after
    # Replay resumes while the export waits for the job's position.
    threading.Timer(0.2, bounds.psql, ["SELECT pg_wal_replay_resume()"]).start()
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert services.run_export(organization_id=orgs.a.org.pk, job_id=job_id) is True
    assert any("COUNT(*)" in q["sql"] for q in on_replica.captured_queries), "not read on the replica"
    assert "Written-just-before" in _file(job_id, orgs.a.org)


def test_an_export_goes_to_the_primary_when_the_replica_does_not_replay_the_write_in_time(
    orgs, client_for, bounds, store
):
    caught_up()
    bounds.psql("SELECT pg_wal_replay_pause()")
    job_id = _export_after_a_write(orgs, client_for)
    started = time.monotonic()
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert services.run_export(organization_id=orgs.a.org.pk, job_id=job_id) is True
    assert time.monotonic() - started < 5
    assert not any("COUNT(*)" in q["sql"] for q in on_replica.captured_queries)
    assert "Written-just-before" in _file(job_id, orgs.a.org)


def test_reads_go_to_the_primary_while_the_replica_lags_beyond_the_bound(orgs, bounds):
    caught_up()
    with reading_replica(organization_id=orgs.a.org.pk, since=None) as alias:
        assert alias == replica.REPLICA
    bounds.psql("SELECT pg_wal_replay_pause()")
    with tenant_scope(orgs.a.org):
        make_visit(orgs.a)
    time.sleep(0.4)  # beyond DATABASE_REPLICA_MAX_LAG
    with tenant_scope(orgs.a.org), reading_replica(since=None) as alias:
        assert alias == replica.PRIMARY
        assert Visit.objects.count() == 1
    bounds.psql("SELECT pg_wal_replay_resume()")
    caught_up()
    with tenant_scope(orgs.a.org), reading_replica(since=None) as alias:
        assert alias == replica.REPLICA
        assert Visit.objects.count() == 1


def test_the_journal_and_dashboard_read_the_replica_and_fall_back_when_it_is_down(orgs, client_for, bounds):
    compliance = client_for(orgs.a.members["compliance"])
    caught_up()
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert compliance.get("/api/v1/journal/").status_code == 200
        assert compliance.get("/reports/dashboard/").status_code == 200
        assert compliance.get("/journal/").status_code == 200
    assert any("audit_journalentry" in q["sql"] for q in on_replica.captured_queries)
    port = bounds.port
    connections[replica.REPLICA].close()
    bounds.stop()
    try:
        entries = compliance.get("/api/v1/journal/")
        assert entries.status_code == 200 and entries.json()["results"]
        assert compliance.get("/journal/").status_code == 200
        assert compliance.get("/reports/dashboard/").status_code == 200
    finally:
        bounds.preferred_port = port
        bounds.start()
        assert bounds.port == port


def test_replica_stopped_during_an_export_the_file_is_written_whole_from_the_primary(
    orgs, client_for, bounds, store, monkeypatch, caplog
):
    with tenant_scope(orgs.a.org):
        for i in range(30):
            make_visit(orgs.a, visitor=make_visitor(orgs.a, first_name=f"V{i:02d}"))
    admin = client_for(orgs.a.members["admin"])
    # One column: rows stream from a server-side cursor, fetched batch by batch
    # (two rows each here), so the standby is still serving when it is stopped.
    job_id = admin.post(
        "/api/v1/exports/",
        {"dataset": "visits", "columns": ["visitor_first_name"], "filters": AROUND_NOW},
        content_type="application/json",
    ).json()["id"]
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    caught_up()
    port, chunks = bounds.port, []

    def stop_once(count):
        chunks.append(count)
        if len(chunks) == 1:
            bounds._cmd("pg_ctl", "-D", str(bounds.data), "-m", "immediate", "-w", "stop")

    try:
        with caplog.at_level(logging.WARNING, logger="reports.services"):
            assert services.run_export(organization_id=orgs.a.org.pk, job_id=job_id, on_chunk=stop_once)
    finally:
        bounds.preferred_port = port
        bounds.start()
    assert "written again from the primary" in caplog.text
    assert chunks[0] == 2 and chunks[-1] == 30  # started on the replica, finished on the primary
    rows = _file(job_id, orgs.a.org).splitlines()
    assert sorted(rows[1:]) == [f"V{i:02d}" for i in range(30)]
    assert len(list(store.rglob("*.csv"))) == 1


def test_subject_searches_read_the_replica_with_the_writes_just_made_and_no_other_tenant(
    orgs, client_for, bounds
):
    with tenant_scope(orgs.a.org):
        ours = make_visit(orgs.a, visitor=make_visitor(orgs.a, first_name="Hélène", last_name="Lefèvre"))
    with tenant_scope(orgs.b.org):
        make_visit(orgs.b, visitor=make_visitor(orgs.b, first_name="Hélène", last_name="Lefèvre"))
    compliance = client_for(orgs.a.members["compliance"])
    created = compliance.post(
        "/api/v1/subject-requests/",
        {"kind": "access", "received_on": datetime.date.today().isoformat(), "full_name": "helene lefevre"},
        content_type="application/json",
    ).json()
    # No wait for the standby here: the search itself waits for the writes above.
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        found = compliance.get(f"/api/v1/subject-requests/{created['id']}/matches/").json()
    assert any("visitors_visitor" in q["sql"] for q in on_replica.captured_queries), "not read on the replica"
    assert [v["id"] for v in found["visitors"]] == [ours.visitor_id]
    assert found["rows"]["visits"] == [ours.pk]
