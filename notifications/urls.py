from django.urls import path

from . import views

urlpatterns = [
    path("notifications/rules/", views.rule_list, name="notification_rules"),
    path("notifications/rules/new/", views.rule_edit, name="notification_rule_create"),
    path("notifications/rules/<int:pk>/", views.rule_edit, name="notification_rule_edit"),
    path("notifications/rules/<int:pk>/delete/", views.rule_delete, name="notification_rule_delete"),
    path("notifications/lists/", views.list_list, name="notification_lists"),
    path("notifications/lists/new/", views.list_edit, name="notification_list_create"),
    path("notifications/lists/<int:pk>/", views.list_edit, name="notification_list_edit"),
    path("notifications/lists/<int:pk>/delete/", views.list_delete, name="notification_list_delete"),
    path("notifications/templates/", views.template_list, name="message_templates"),
    path(
        "notifications/templates/<str:event>/<str:channel>/<str:language>/",
        views.template_edit,
        name="message_template_edit",
    ),
    path("notifications/configuration/export/", views.config_export, name="notification_config_export"),
    path("notifications/configuration/import/", views.config_import, name="notification_config_import"),
    path("notifications/messages/", views.message_log, name="message_log"),
    path("notifications/messages/<int:pk>/", views.message_detail, name="message_detail"),
    path("notifications/messages/<int:pk>/retry/", views.message_retry, name="message_retry"),
    path("notifications/twilio/status/<str:token>/", views.twilio_status, name="twilio_status"),
    path("notifications/qr/<str:code>/", views.invitation_qr, name="invitation_qr"),
]
