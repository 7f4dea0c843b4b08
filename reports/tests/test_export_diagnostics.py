"""Issue 21: an empty export says why, in the job (API `diagnostics`), in the
exports list and in the e-mail of a scheduled export, with the preview's words."""

import pytest
from django.core import mail
from django.urls import reverse

from reports import scheduling

from .test_schedules import NOW, make, run_jobs

pytestmark = pytest.mark.django_db

EMPTY = {"from": "2026-03-02", "to": "2026-03-02", "statuses": ["no_show"]}


def _run_export(admin, orgs, scoped, filters):
    response = admin.post(
        "/api/v1/exports/", {"dataset": "visits", "filters": filters}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    run_jobs(orgs, scoped)
    return response.json()["id"]


def test_an_empty_export_job_says_why_like_the_preview(orgs, visits, admin, store, scoped):
    job_id = _run_export(admin, orgs, scoped, EMPTY)
    job = admin.get(f"/api/v1/exports/{job_id}/").json()
    assert job["status"] == "done" and job["rows_total"] == 0
    assert job["diagnostics"][0] == "Aucune ligne ne correspond à ces filtres (visites)."
    assert any("sans le filtre sur les" in note for note in job["diagnostics"]), job["diagnostics"]
    preview = admin.post(
        "/api/v1/exports/preview/", {"dataset": "visits", "filters": EMPTY}, content_type="application/json"
    )
    assert preview.status_code == 200, preview.content
    assert preview.json()["diagnostics"] == job["diagnostics"]
    # The exports list (its job cell) shows the same sentences.
    cell = admin.get(reverse("export_detail", kwargs={"pk": job_id})).content.decode()
    assert "Pourquoi des lignes peuvent manquer" in cell
    assert "sans le filtre sur les" in cell
    # A full export has no diagnostics.
    full = _run_export(admin, orgs, scoped, {"from": "2026-03-01", "to": "2026-03-31"})
    assert admin.get(f"/api/v1/exports/{full}/").json()["diagnostics"] == []


def test_the_field_is_documented_in_the_schema(admin):
    schema = admin.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "diagnostics" in schema and "Why the file is empty or has few rows" in schema


def test_a_scheduled_empty_export_mail_says_why(
    orgs, visits, admin, store, scoped, django_capture_on_commit_callbacks
):
    make(admin, filters={"period": "previous_day", "statuses": ["no_show"]})
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.tick(organization_id=orgs.a.org.pk, now=NOW) == 1
    with django_capture_on_commit_callbacks(execute=True):
        run_jobs(orgs, scoped)
    (message,) = mail.outbox
    assert "Pourquoi des lignes peuvent manquer" in message.body
    assert "sans le filtre sur les" in message.body
