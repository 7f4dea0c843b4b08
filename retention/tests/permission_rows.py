"""Rows of the cross-tenant permission table for the retention app."""

from tests.permission_table import ADMIN, ANON, COMPLIANCE, HOST, RECEPTION, add, objects, other_org


@objects
def retention_objects(org):
    from django.utils import timezone

    from retention import policies, purge, services, subjects

    today = timezone.localdate()
    return {
        "retention_policy": policies.policies(org.org).get(data_type="visits", site__isnull=True),
        "legal_hold": services.place_hold(organization=org.org, reason="Litige"),
        "purge_run": purge.create_run(organization=org.org),
        "subject_request": subjects.create_request(
            organization=org.org, kind="access", received_on=today, full_name="Nobody Here"
        ),
        "erasure_request": subjects.create_request(
            organization=org.org, kind="erasure", received_on=today, full_name="Nobody Here"
        ),
    }


HTML_STAFF = {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}
HTML_COMPLIANCE = {ANON: 302, ADMIN: 403, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}
API_STAFF = {ANON: 401, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}
API_COMPLIANCE = {ANON: 401, ADMIN: 403, RECEPTION: 403, HOST: 403, COMPLIANCE: 200}

# --- HTML ----------------------------------------------------------------------------
add("retention", "GET", HTML_STAFF)
add("retention_holds", "GET", HTML_STAFF)
add("retention_requests", "GET", HTML_COMPLIANCE)
add("retention_archive", "GET", HTML_COMPLIANCE)
add("retention_run_start", "POST", {ANON: 302, ADMIN: 302, RECEPTION: 403, HOST: 403, COMPLIANCE: 302})
add(
    "retention_policy_edit",
    "GET",
    {ANON: 302, ADMIN: 200, RECEPTION: 403, HOST: 403, COMPLIANCE: 200},
    {"pk": "retention_policy"},
)
other_org("retention_policy_edit", "GET", {"pk": "retention_policy"}, {ADMIN: 404, COMPLIANCE: 404})
add("retention_dry_run", "GET", HTML_STAFF)
add("retention_policy_preview", "GET", HTML_STAFF, {"pk": "retention_policy"})
other_org("retention_policy_preview", "GET", {"pk": "retention_policy"}, {ADMIN: 404, COMPLIANCE: 404})
for name in (
    "retention_run_detail",
    "retention_run_progress",
    "retention_run_report_csv",
    "retention_run_report_pdf",
):
    add(name, "GET", HTML_STAFF, {"pk": "purge_run"})
    other_org(name, "GET", {"pk": "purge_run"}, {ADMIN: 404, COMPLIANCE: 404})
add(
    "retention_hold_release",
    "POST",
    {ANON: 302, ADMIN: 302, RECEPTION: 403, HOST: 403, COMPLIANCE: 302},
    {"pk": "legal_hold"},
)
other_org("retention_hold_release", "POST", {"pk": "legal_hold"}, {ADMIN: 404, COMPLIANCE: 404})
for name in ("retention_request_detail", "retention_request_export"):
    add(name, "GET", HTML_COMPLIANCE, {"pk": "subject_request"})
    other_org(name, "GET", {"pk": "subject_request"}, {COMPLIANCE: 404})
# Without `confirm=yes` the erasure answers its confirmation page (counts per type).
add("retention_request_erase", "GET", HTML_COMPLIANCE, {"pk": "erasure_request"})
add(
    "retention_request_erase",
    "POST",
    {ANON: 302, ADMIN: 403, RECEPTION: 403, HOST: 403, COMPLIANCE: 200},
    {"pk": "erasure_request"},
)
other_org("retention_request_erase", "GET", {"pk": "erasure_request"}, {COMPLIANCE: 404})
other_org("retention_request_erase", "POST", {"pk": "erasure_request"}, {COMPLIANCE: 404})

# --- API -----------------------------------------------------------------------------
add("retention-policy-list", "GET", API_STAFF)
add("retention-policy-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 400})
add("retention-policy-detail", "GET", API_STAFF, {"pk": "retention_policy"})
add(
    "retention-policy-detail",
    "PATCH",
    {ADMIN: 200, COMPLIANCE: 200, RECEPTION: 403},
    {"pk": "retention_policy"},
)
add("retention-policy-detail", "DELETE", {ADMIN: 400, COMPLIANCE: 400}, {"pk": "retention_policy"})
other_org("retention-policy-detail", "GET", {"pk": "retention_policy"}, {ADMIN: 404, COMPLIANCE: 404})
other_org("retention-policy-detail", "PATCH", {"pk": "retention_policy"}, {ADMIN: 404, COMPLIANCE: 404})
other_org("retention-policy-detail", "DELETE", {"pk": "retention_policy"}, {ADMIN: 404, COMPLIANCE: 404})

add("legal-hold-list", "GET", API_STAFF)
add("legal-hold-list", "POST", {ANON: 401, ADMIN: 400, RECEPTION: 403, HOST: 403, COMPLIANCE: 400})
add("legal-hold-detail", "GET", API_STAFF, {"pk": "legal_hold"})
add("legal-hold-detail", "PATCH", {ADMIN: 200, RECEPTION: 403, COMPLIANCE: 200}, {"pk": "legal_hold"})
add("legal-hold-detail", "DELETE", {ADMIN: 204, COMPLIANCE: 204}, {"pk": "legal_hold"})
other_org("legal-hold-detail", "GET", {"pk": "legal_hold"}, {ADMIN: 404, COMPLIANCE: 404})
other_org("legal-hold-detail", "PATCH", {"pk": "legal_hold"}, {ADMIN: 404, COMPLIANCE: 404})
other_org("legal-hold-detail", "DELETE", {"pk": "legal_hold"}, {ADMIN: 404, COMPLIANCE: 404})

add("purge-run-list", "GET", API_STAFF)
add("purge-run-list", "POST", {ANON: 401, ADMIN: 202, RECEPTION: 403, HOST: 403, COMPLIANCE: 202})
for name in ("purge-run-detail", "purge-run-report-csv", "purge-run-report-pdf"):
    add(name, "GET", API_STAFF, {"pk": "purge_run"})
    other_org(name, "GET", {"pk": "purge_run"}, {ADMIN: 404, COMPLIANCE: 404})

add("subject-request-list", "GET", API_COMPLIANCE)
add("subject-request-list", "POST", {ANON: 401, ADMIN: 403, RECEPTION: 403, HOST: 403, COMPLIANCE: 400})
add("subject-request-detail", "GET", API_COMPLIANCE, {"pk": "subject_request"})
add("subject-request-detail", "PATCH", {ADMIN: 403, COMPLIANCE: 200}, {"pk": "subject_request"})
for name in ("subject-request-matches", "subject-request-export"):
    add(name, "GET", API_COMPLIANCE, {"pk": "subject_request"})
    other_org(name, "GET", {"pk": "subject_request"}, {COMPLIANCE: 404})
add(
    "subject-request-erase",
    "POST",
    {ANON: 401, ADMIN: 403, HOST: 403, COMPLIANCE: 200},
    {"pk": "erasure_request"},
)
other_org("subject-request-detail", "GET", {"pk": "subject_request"}, {ADMIN: 403, COMPLIANCE: 404})
other_org("subject-request-detail", "PATCH", {"pk": "subject_request"}, {COMPLIANCE: 404})
other_org("subject-request-erase", "POST", {"pk": "erasure_request"}, {COMPLIANCE: 404})
