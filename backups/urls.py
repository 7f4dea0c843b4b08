from django.urls import path

from . import views

urlpatterns = [
    path("backups/", views.backups, name="backups"),
    path("backups/restore-tickets/new/", views.ticket_create, name="restore_ticket_create"),
    path("backups/restore-tickets/<int:pk>/", views.ticket_detail, name="restore_ticket"),
    path(
        "backups/restore-tickets/<int:pk>/end-access/",
        views.ticket_end_access,
        name="restore_ticket_end_access",
    ),
    path("backups/configuration.json", views.config_export, name="config_export"),
    path("backups/configuration/import/", views.config_import, name="config_import"),
    path("support/restore-tickets/", views.support_console, name="support_console"),
    path("support/restore-tickets/<int:pk>/", views.support_ticket, name="support_ticket"),
    path(
        "support/restore-tickets/<int:pk>/end-access/",
        views.support_end_access,
        name="support_ticket_end_access",
    ),
]
