"""HTML, mounted at the site root."""

from django.urls import path

from . import views

urlpatterns = [
    path("documents/consent-texts/", views.consent_texts, name="consent_texts"),
    path("documents/consent-texts/new/", views.consent_text_edit, name="consent_text_create"),
    path("documents/consent-texts/<int:pk>/", views.consent_text_edit, name="consent_text_edit"),
    path(
        "documents/consent-texts/<int:pk>/versions/<int:version_pk>/",
        views.consent_version_detail,
        name="consent_version_detail",
    ),
    path("documents/settings/", views.document_settings, name="document_settings"),
    path("documents/archives/", views.document_archives, name="document_archives"),
    path("visits/<int:pk>/documents/", views.visit_documents, name="visit_documents"),
    path("visits/<int:pk>/consents/", views.visit_consents, name="visit_consents"),
    path("kiosk/<str:key>/consents/<str:token>/", views.kiosk_consent_sign, name="kiosk_consent_sign"),
    path("invitation/documents/<str:token>/", views.invitation_documents, name="invitation_documents"),
]
