"""Mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("consent-texts", api.ConsentTextViewSet, basename="consent-text")
router.register("document-archives", api.DocumentArchiveViewSet, basename="document-archive")

urlpatterns = [
    path("visits/<int:pk>/consents/", api.VisitConsentsView.as_view(), name="visit-consents"),
    path("visits/<int:pk>/attachments/", api.VisitAttachmentsView.as_view(), name="visit-attachments"),
    path("attachments/<int:pk>/download/", api.AttachmentDownloadView.as_view(), name="attachment-download"),
    path(
        "signed-consents/<int:pk>/certificate/",
        api.ConsentCertificateView.as_view(),
        name="consent-certificate",
    ),
    *router.urls,
]
