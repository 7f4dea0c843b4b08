"""On-demand exports end to end: job, progress, file, download, expiry,
crashes, and small exports streamed from the screen."""

import csv
import datetime
import hashlib
import io

import pytest
from django.core.cache import cache
from django.utils import timezone

from audit.models import JournalEntry
from config.exports import datasets
from config.registries import retention_types
from reports import previews, services
from reports.models import ExportJob, JobStatus

pytestmark = pytest.mark.django_db

PERIOD = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}


def parse(data: bytes, delimiter=";"):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def create(client, **payload):
    payload.setdefault("dataset", "visits")
    response = client.post("/api/v1/exports/", payload, content_type="application/json")
    assert response.status_code == 202, response.content
    return response.json()


def work(orgs, job_id, **kw):
    """What the Celery worker does with the queued task."""
    return services.run_export(organization_id=orgs.a.org.pk, job_id=job_id, **kw)


def test_export_job_end_to_end(orgs, visits, admin, store, scoped):
    job = create(admin, filters={**PERIOD, "sites": [orgs.a.site.pk]}, columns=["id", "visitor_first_name"])
    assert job["status"] == "queued" and job["download_url"] is None
    seen = []
    assert work(orgs, job["id"], on_chunk=seen.append) is True
    detail = admin.get(f"/api/v1/exports/{job['id']}/").json()
    assert detail["status"] == "done"
    assert detail["rows_total"] == 5 and detail["progress"] == {"done": 5, "total": 5}
    assert seen == [5]
    response = admin.get(detail["download_url"])
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == detail["sha256"] and len(body) == detail["size"]
    rows = parse(body)
    assert rows[0] == ["Identifiant de la visite", "Prénom du visiteur"]
    assert len(rows) == 6 and '\'=HYPERLINK("http://x")' in [r[1] for r in rows]
    with scoped(orgs.a.org):
        created = JournalEntry.objects.get(verb="export.created")
        assert created.data["filters"]["sites"] == [orgs.a.site.pk]
        assert created.data["filters"]["from"] == "2026-03-01"
        assert JournalEntry.objects.filter(verb="export.downloaded", target_id=str(job["id"])).exists()


def test_running_the_task_twice_writes_one_file(orgs, visits, admin, store):
    job = create(admin, filters=PERIOD)
    assert work(orgs, job["id"]) is True
    assert work(orgs, job["id"]) is False
    assert len(list(store.rglob("*.csv"))) == 1


def test_worker_killed_mid_export_is_retried_into_one_complete_file(
    orgs, visits, admin, store, scoped, monkeypatch
):
    job = create(admin, filters=PERIOD, delimiter=",")
    storage = services.export_storage()
    real_save = type(storage).save

    def killed_while_storing(self, name, content, max_length=None):
        # Half the bytes reach the store, then the process is gone.
        data = content.read()
        self.save.__func__  # noqa: B018
        path = self.path(name)
        import os

        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
        raise services.WorkerKilled

    monkeypatch.setattr(type(storage), "save", killed_while_storing)
    with pytest.raises(services.WorkerKilled):
        work(orgs, job["id"])
    monkeypatch.setattr(type(storage), "save", real_save)
    with scoped(orgs.a.org):
        stuck = ExportJob.objects.get(pk=job["id"])
    assert stuck.status == JobStatus.RUNNING and stuck.attempts == 1
    assert len(list(store.rglob("*.csv"))) == 1  # the truncated one, not marked done
    # The message comes back while the heartbeat is fresh: another worker may be
    # on it, so nothing happens.
    assert work(orgs, job["id"]) is False
    cache.delete(services._progress_key(job["id"]))  # two minutes without a heartbeat
    assert work(orgs, job["id"]) is True
    files = list(store.rglob("*.csv"))
    assert len(files) == 1
    with scoped(orgs.a.org):
        done = ExportJob.objects.get(pk=job["id"])
    data = files[0].read_bytes()
    assert done.status == JobStatus.DONE and done.attempts == 2
    assert hashlib.sha256(data).hexdigest() == done.sha256
    assert len(parse(data, ",")) == 1 + 6


def test_failing_export_is_retried_then_marked_failed(orgs, visits, admin, store, scoped, monkeypatch):
    job = create(admin, filters=PERIOD)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "_write", boom)
    for _attempt in range(services.MAX_ATTEMPTS):
        with pytest.raises(OSError, match="disk full"):
            work(orgs, job["id"])
    with scoped(orgs.a.org):
        failed = ExportJob.objects.get(pk=job["id"])
    assert failed.status == JobStatus.FAILED and "disk full" in failed.error
    assert work(orgs, job["id"]) is False


def test_expired_export_is_410_with_its_date_and_its_file_is_deleted(orgs, visits, admin, store, scoped):
    job = create(admin, filters=PERIOD)
    work(orgs, job["id"])
    past = timezone.now() - datetime.timedelta(hours=1)
    with scoped(orgs.a.org):
        ExportJob.objects.filter(pk=job["id"]).update(expires_at=past)
    response = admin.get(f"/api/v1/exports/{job['id']}/download/")
    assert response.status_code == 410
    assert response.json()["expired_at"] == past.isoformat().replace("+00:00", "Z") or response.json()[
        "expired_at"
    ].startswith(past.date().isoformat())
    with scoped(orgs.a.org):
        assert services.expire_exports() == 1
        assert ExportJob.objects.get(pk=job["id"]).status == JobStatus.EXPIRED
    assert list(store.rglob("*.csv")) == []
    assert admin.get(f"/reports/exports/{job['id']}/download/").status_code == 410


def test_export_files_are_a_retention_type(orgs, visits, admin, store, scoped):
    job = create(admin, filters=PERIOD)
    work(orgs, job["id"])
    kind = retention_types["export_files"]
    with scoped(orgs.a.org):
        assert list(kind.queryset().values_list("pk", flat=True)) == [job["id"]]
        result = kind.delete([job["id"]])
    assert (result.rows_deleted, result.objects_deleted) == (1, 1)
    assert list(store.rglob("*.csv")) == []


def test_small_export_streams_from_the_screen_in_its_own_scope(orgs, visits, admin, scoped):
    response = admin.get(
        "/reports/exports/stream/",
        {"dataset": "visits", "from": "2026-03-02", "to": "2026-03-02", "columns": ["id", "expected_at"]},
    )
    assert response.status_code == 200 and response.streaming
    # Consumed here, after the middleware's transaction has ended.
    rows = parse(b"".join(response.streaming_content))
    assert rows[1:] == [
        [str(visits["rows"][0].pk), "2026-03-02T09:00:00+01:00"],
        [str(visits["rows"][5].pk), "2026-03-02T09:00:00+01:00"],
        [str(visits["rows"][1].pk), "2026-03-02T14:00:00+01:00"],
    ] or sorted(rows[1:]) == sorted(
        [
            [str(visits["rows"][0].pk), "2026-03-02T09:00:00+01:00"],
            [str(visits["rows"][1].pk), "2026-03-02T14:00:00+01:00"],
            [str(visits["rows"][5].pk), "2026-03-02T09:00:00+01:00"],
        ]
    )
    with scoped(orgs.a.org):
        entry = JournalEntry.objects.get(verb="export.downloaded")
        assert entry.data["direct"] is True and entry.data["filters"]["from"] == "2026-03-02"


def test_larger_exports_are_not_streamed(orgs, visits, admin, monkeypatch):
    monkeypatch.setattr(services, "SMALL_EXPORT_ROWS", 2)
    response = admin.get("/reports/exports/stream/", {"dataset": "visits"})
    assert response.status_code == 413


def test_every_dataset_previews_every_column(orgs, visits, scoped):
    from django.db import connection

    with scoped(orgs.a.org):
        tables = set(connection.introspection.table_names())
        for dataset in datasets():
            if dataset.model._meta.db_table not in tables:
                continue  # an app whose migrations have not landed yet
            result = previews.preview(
                orgs.a.members["admin"], dataset.key, {}, [c.key for c in dataset.columns]
            )
            assert len(result.header) == len(dataset.columns)
    assert {"visits", "visitors", "journal", "consents", "documents", "badge_prints"} <= {
        d.key for d in datasets()
    }


def test_the_journal_dataset_exports_the_activity_journal(orgs, visits, admin, store):
    job = create(admin, dataset="journal", columns=["seq", "verb", "created_at"])
    work(orgs, job["id"])
    body = b"".join(admin.get(f"/api/v1/exports/{job['id']}/download/").streaming_content)
    verbs = [row[1] for row in parse(body)[1:]]
    assert "export.created" in verbs


def test_perimeter_narrows_rows_and_the_preview_says_what_it_hides(orgs, visits, narrowed):
    response = narrowed.post(
        "/api/v1/exports/preview/",
        {"dataset": "visits", "filters": {"from": "2026-03-02", "to": "2026-03-02"}},
        content_type="application/json",
    )
    result = response.json()
    assert result["total"] == 2
    assert any("1" in note and "périmètre" in note for note in result["diagnostics"])


def test_jobs_of_other_members_are_hidden_from_a_narrowed_member(orgs, visits, admin, narrowed):
    job = create(admin, filters=PERIOD)
    assert narrowed.get(f"/api/v1/exports/{job['id']}/").status_code == 404
    assert admin.get(f"/api/v1/exports/{job['id']}/").status_code == 200
