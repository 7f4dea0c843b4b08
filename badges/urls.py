from django.urls import path

from . import views

urlpatterns = [
    path("badges/templates/", views.template_list, name="badge_templates"),
    path("badges/templates/new/", views.template_create, name="badge_template_create"),
    path("badges/templates/import/", views.template_import, name="badge_template_import"),
    path("badges/templates/draft.pdf", views.template_draft_pdf, name="badge_template_draft_pdf"),
    path("badges/templates/<int:pk>/", views.template_edit, name="badge_template_edit"),
    path("badges/templates/<int:pk>/preview.pdf", views.template_preview, name="badge_template_preview"),
    path(
        "badges/templates/<int:pk>/draft/", views.template_draft_preview, name="badge_template_draft_preview"
    ),
    path("badges/templates/<int:pk>/export.json", views.template_export, name="badge_template_export"),
    path("badges/templates/<int:pk>/assignments/", views.assignment_create, name="badge_assignment_create"),
    path("badges/assignments/<int:pk>/delete/", views.assignment_delete, name="badge_assignment_delete"),
    path("badges/print/group/", views.badge_group_print, name="badge_group_print"),
    path("badges/print/badges.pdf", views.prints_pdf, name="badge_prints_pdf"),
    path("badges/print/<int:pk>/", views.badge_print, name="badge_print"),
    path("kiosk/<str:key>/badge/<str:token>/", views.kiosk_badge, name="kiosk_badge"),
]
