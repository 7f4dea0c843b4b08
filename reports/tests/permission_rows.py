"""Rows of the cross-tenant permission table for the reports app.

Exports and schedules are for admins and compliance; reception and hosts get
403, another organization's export or schedule 404. The fixture export is still
queued, so a permitted download answers 409 (not ready) rather than a file."""

from tests.permission_table import ADMIN, ANON, COMPLIANCE, HOST, RECEPTION, add, objects, other_org

EXPORTERS_HTML = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}
EXPORTERS_API = {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}


@objects
def report_objects(org):
    import datetime

    from reports.models import ExportJob, ExportSchedule

    admin = org.members["admin"]
    job = ExportJob.objects.create(organization=org.org, requested_by=admin, dataset="visits")
    schedule = ExportSchedule.objects.create(
        organization=org.org,
        created_by=admin,
        name="Daily",
        dataset="visits",
        filters={"period": "previous_day"},
        frequency="daily",
        time_of_day=datetime.time(6, 0),
    )
    return {"export": job, "export_schedule": schedule}


# --- HTML ------------------------------------------------------------------------------
add("reports", "GET", EXPORTERS_HTML)
add("reports_dashboard", "GET", EXPORTERS_HTML)
add("export_schedules", "GET", EXPORTERS_HTML)
# Without a dataset: back to the screen with the error (admin), 400 for the stream.
add("export_create", "POST", {ANON: 302, ADMIN: 302, RECEPTION: 403, HOST: 403, COMPLIANCE: 302})
# Without a dataset the download is of visits, as the Reports page first shows them.
add("export_stream", "GET", {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200})
add("export_detail", "GET", EXPORTERS_HTML, {"pk": "export"})
other_org("export_detail", "GET", {"pk": "export"}, {ADMIN: 404, COMPLIANCE: 404})
add("export_download", "GET", {ANON: 302, ADMIN: 409, RECEPTION: 403, COMPLIANCE: 409}, {"pk": "export"})
other_org("export_download", "GET", {"pk": "export"}, {ADMIN: 404, COMPLIANCE: 404})
add(
    "export_schedule_edit",
    "GET",
    {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
    {"pk": "export_schedule"},
)
other_org("export_schedule_edit", "GET", {"pk": "export_schedule"}, {ADMIN: 404})
add(
    "export_schedule_delete",
    "POST",
    {ANON: 302, RECEPTION: 403, COMPLIANCE: 403, ADMIN: 302},
    {"pk": "export_schedule"},
)
other_org("export_schedule_delete", "POST", {"pk": "export_schedule"}, {ADMIN: 404})

# --- API -------------------------------------------------------------------------------
add("export-dataset-list", "GET", EXPORTERS_API)
add("export-list", "GET", EXPORTERS_API)
add("export-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 400})
add("export-preview", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 400})
add("export-detail", "GET", EXPORTERS_API, {"pk": "export"})
other_org("export-detail", "GET", {"pk": "export"}, {ADMIN: 404, COMPLIANCE: 404})
add("export-download", "GET", {ANON: 401, ADMIN: 409, RECEPTION: 403, COMPLIANCE: 409}, {"pk": "export"})
other_org("export-download", "GET", {"pk": "export"}, {ADMIN: 404, COMPLIANCE: 404})

add("export-schedule-list", "GET", EXPORTERS_API)
add("export-schedule-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 403})
add("export-schedule-detail", "GET", EXPORTERS_API, {"pk": "export_schedule"})
add(
    "export-schedule-detail",
    "PATCH",
    {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 403},
    {"pk": "export_schedule"},
)
add("export-schedule-detail", "DELETE", {COMPLIANCE: 403, ADMIN: 204}, {"pk": "export_schedule"})
other_org("export-schedule-detail", "GET", {"pk": "export_schedule"}, {ADMIN: 404, COMPLIANCE: 404})
other_org("export-schedule-detail", "PATCH", {"pk": "export_schedule"}, {ADMIN: 404})
other_org("export-schedule-detail", "DELETE", {"pk": "export_schedule"}, {ADMIN: 404})
add("export-schedule-runs", "GET", EXPORTERS_API, {"pk": "export_schedule"})
other_org("export-schedule-runs", "GET", {"pk": "export_schedule"}, {ADMIN: 404, COMPLIANCE: 404})
