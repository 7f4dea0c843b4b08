"""HTML, mounted at the site root."""

from django.urls import path

from . import views

urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("retention/policies/<int:pk>/", views.policy_edit, name="retention_policy_edit"),
    path("retention/policies/<int:pk>/preview/", views.policy_preview, name="retention_policy_preview"),
    path("retention/runs/start/", views.run_start, name="retention_run_start"),
    path("retention/dry-run/", views.dry_run, name="retention_dry_run"),
    path("retention/runs/<int:pk>/", views.run_detail, name="retention_run_detail"),
    path("retention/runs/<int:pk>/progress/", views.run_progress, name="retention_run_progress"),
    path("retention/runs/<int:pk>/report.csv", views.run_report_csv, name="retention_run_report_csv"),
    path("retention/runs/<int:pk>/report.pdf", views.run_report_pdf, name="retention_run_report_pdf"),
    path("retention/holds/", views.holds, name="retention_holds"),
    path("retention/holds/<int:pk>/release/", views.hold_release, name="retention_hold_release"),
    path("retention/requests/", views.requests, name="retention_requests"),
    path("retention/requests/<int:pk>/", views.request_detail, name="retention_request_detail"),
    path("retention/requests/<int:pk>/export.zip", views.request_export, name="retention_request_export"),
    path("retention/requests/<int:pk>/erase/", views.request_erase, name="retention_request_erase"),
    path("retention/archive/", views.archive_view, name="retention_archive"),
]
