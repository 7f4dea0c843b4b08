"""Scheduled exports: due periods in the organization's time zone, one file per
period whatever happens, failed runs retried and listed, e-mail after commit."""

import datetime
import zoneinfo

import pytest
from django.core import mail

from reports import scheduling, services
from reports.models import ExportSchedule, RunStatus, ScheduleRun

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Wednesday 4 March 2026, 06:30 in Paris.
NOW = datetime.datetime(2026, 3, 4, 6, 30, tzinfo=PARIS)

PAYLOAD = {
    "name": "Visites de la veille",
    "dataset": "visits",
    "filters": {"period": "previous_day"},
    "columns": ["id", "expected_at"],
    "frequency": "daily",
    "time_of_day": "06:00",
    "recipients": ["bi@example.test"],
    "prefix": "bi/daily",
}


def make(admin, **changes):
    response = admin.post(
        "/api/v1/export-schedules/", {**PAYLOAD, **changes}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def run_jobs(orgs, scoped):
    """The worker: run every queued export of organization A."""
    from reports.models import ExportJob

    with scoped(orgs.a.org):
        ids = list(ExportJob.objects.filter(status="queued").values_list("pk", flat=True))
    for job_id in ids:
        services.run_export(organization_id=orgs.a.org.pk, job_id=job_id)


def test_schedule_runs_once_per_period_and_mails_a_link_after_commit(
    orgs, visits, admin, store, scoped, django_capture_on_commit_callbacks
):
    schedule = make(admin)
    with django_capture_on_commit_callbacks(execute=False):
        assert scheduling.tick(organization_id=orgs.a.org.pk, now=NOW) == 1
        assert scheduling.tick(organization_id=orgs.a.org.pk, now=NOW) == 0
    with django_capture_on_commit_callbacks(execute=True):
        run_jobs(orgs, scoped)
    with scoped(orgs.a.org):
        (run,) = ScheduleRun.objects.filter(schedule_id=schedule["id"])
        assert (run.period_start, run.period_end) == (datetime.date(2026, 3, 3), datetime.date(2026, 3, 3))
        assert run.status == RunStatus.DONE and run.job.rows_total == 3
        assert run.job.storage_key.startswith(f"exports/{orgs.a.org.pk}/bi/daily/")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["bi@example.test"]
    assert f"/reports/exports/{run.job_id}/download/" in mail.outbox[0].body
    # Re-running yesterday's tick: same row, no second file, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduling.tick(organization_id=orgs.a.org.pk, now=NOW + datetime.timedelta(hours=3)) == 0
    assert len(list(store.rglob("*.csv"))) == 1 and len(mail.outbox) == 1
    runs = admin.get(f"/api/v1/export-schedules/{schedule['id']}/runs/").json()
    assert [r["status"] for r in runs] == ["done"]


def test_before_the_time_of_day_the_previous_period_is_due():
    schedule = ExportSchedule(frequency="daily", time_of_day=datetime.time(7, 0), filters={})
    assert scheduling.due_period(schedule, NOW, "Europe/Paris") == (datetime.date(2026, 3, 2),) * 2
    weekly = ExportSchedule(frequency="weekly", time_of_day=datetime.time(6, 0), filters={})
    assert scheduling.due_period(weekly, NOW, "Europe/Paris") == (
        datetime.date(2026, 2, 23),
        datetime.date(2026, 3, 1),
    )
    monthly = ExportSchedule(frequency="monthly", time_of_day=datetime.time(6, 0), filters={})
    assert scheduling.due_period(monthly, NOW, "Europe/Paris") == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )


def test_a_failed_run_is_retried_and_listed(orgs, visits, admin, store, scoped, monkeypatch):
    schedule = make(admin)
    scheduling.tick(organization_id=orgs.a.org.pk, now=NOW)

    def broken(*args, **kwargs):
        raise OSError("bucket unreachable")

    monkeypatch.setattr(services, "_write", broken)
    for _attempt in range(services.MAX_ATTEMPTS):
        with pytest.raises(OSError, match="bucket unreachable"):
            run_jobs(orgs, scoped)
    runs = admin.get(f"/api/v1/export-schedules/{schedule['id']}/runs/").json()
    assert runs[0]["status"] == "failed" and "bucket unreachable" in runs[0]["error"]
    monkeypatch.undo()
    assert scheduling.tick(organization_id=orgs.a.org.pk, now=NOW) == 1  # the retry
    run_jobs(orgs, scoped)
    runs = admin.get(f"/api/v1/export-schedules/{schedule['id']}/runs/").json()
    assert runs[0]["status"] == "done" and runs[0]["attempts"] == 2
    assert len(list(store.rglob("*.csv"))) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dataset": "nope"}, "dataset"),
        ({"filters": {"period": "today"}}, "period"),
        ({"prefix": "../../etc"}, "prefix"),
        ({"columns": ["nope"]}, "columns"),
        ({"recipients": ["not-an-address"]}, "recipients"),
        ({"frequency": "hourly"}, "frequency"),
        ({"delimiter": "|"}, "delimiter"),
    ],
)
def test_bad_schedules_are_400_naming_the_field(admin, changes, field):
    response = admin.post(
        "/api/v1/export-schedules/", {**PAYLOAD, **changes}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert field in body or field in body.get("filters", {})


def test_schedule_screen_creates_a_schedule(orgs, admin, scoped):
    response = admin.post(
        "/reports/schedules/",
        {
            "name": "Journal hebdo",
            "dataset": "journal",
            "period": "previous_week",
            "frequency": "weekly",
            "time_of_day": "05:00",
            "delimiter": ";",
            "language": "fr",
            "active": "on",
            "recipients_text": "dpo@example.test",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with scoped(orgs.a.org):
        schedule = ExportSchedule.objects.get(name="Journal hebdo")
    assert schedule.filters == {"period": "previous_week"} and schedule.recipients == ["dpo@example.test"]
    page = admin.get(f"/reports/schedules/{schedule.pk}/")
    assert page.status_code == 200 and "Journal hebdo" in page.content.decode()
