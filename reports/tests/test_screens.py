"""The Reports & exports screen: preview, export button, progress, download."""

import pytest

from reports import tasks
from reports.models import ExportJob, JobStatus

pytestmark = pytest.mark.django_db


def test_export_from_the_screen_shows_progress_then_a_download(orgs, visits, admin, store, scoped):
    page = admin.get("/reports/", {"dataset": "visits", "from": "2026-03-02", "to": "2026-03-03"})
    body = page.content.decode()
    assert page.status_code == 200 and "6 lignes correspondent" in body
    assert "Télécharger maintenant" in body  # small enough to stream
    response = admin.post(
        "/reports/exports/",
        {
            "dataset": "visits",
            "from": "2026-03-02",
            "to": "2026-03-03",
            "columns": ["id", "site"],
            "delimiter": ",",
        },
    )
    assert response.status_code == 302
    with scoped(orgs.a.org):
        job = ExportJob.objects.get()
    assert (job.columns, job.delimiter, job.filters["to"]) == (["id", "site"], ",", "2026-03-03")
    assert "<progress" in admin.get(f"/reports/exports/{job.pk}/").content.decode()
    # The task as the worker runs it.
    assert tasks.run_export.apply(args=(orgs.a.org.pk, job.pk)).get() is True
    with scoped(orgs.a.org):
        assert ExportJob.objects.get(pk=job.pk).status == JobStatus.DONE
    partial = admin.get(f"/reports/exports/{job.pk}/").content.decode()
    assert f"/reports/exports/{job.pk}/download/" in partial
    download = admin.get(f"/reports/exports/{job.pk}/download/")
    assert b"".join(download.streaming_content).startswith("\ufeffIdentifiant de la visite,Site\r\n".encode())


def test_bad_filter_on_the_screen_names_the_field(orgs, admin):
    body = admin.get("/reports/", {"dataset": "visits", "sites": [str(orgs.b.site.pk)]}).content.decode()
    assert "sites" in body and "n&#x27;existe pas" in body


def test_dataset_list_gives_columns_in_the_users_language(admin):
    listed = admin.get("/api/v1/export-datasets/").json()
    visits = next(d for d in listed if d["key"] == "visits")
    assert {"key": "visitor_phone", "label": "Téléphone du visiteur", "default": False} in visits["columns"]
    assert "period" in visits["filters"]
