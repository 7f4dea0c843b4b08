from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/dashboard/", views.dashboard_view, name="reports_dashboard"),
    path("reports/exports/", views.export_create, name="export_create"),
    path("reports/exports/stream/", views.export_stream, name="export_stream"),
    path("reports/exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("reports/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("reports/schedules/", views.schedules, name="export_schedules"),
    path("reports/schedules/<int:pk>/", views.schedule_edit, name="export_schedule_edit"),
    path("reports/schedules/<int:pk>/delete/", views.schedule_delete, name="export_schedule_delete"),
]
