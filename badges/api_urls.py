"""Mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)  # <int:pk>: typed ids in the OpenAPI schema
router.register("badge-templates", api.BadgeTemplateViewSet, basename="badgetemplate")
router.register("badge-assignments", api.BadgeAssignmentViewSet, basename="badgeassignment")
router.register("badge-prints", api.BadgePrintViewSet, basename="badgeprint")

urlpatterns = [
    # Before the router: "group" would otherwise be taken for a print id, and the
    # PDF paths end in ".pdf", without the trailing slash the router would add.
    path("badge-prints/group/", api.group_print, name="badge-group-print"),
    path("badge-templates/preview.pdf", api.draft_preview, name="badgetemplate-draft-preview"),
    path("badge-templates/<int:pk>/preview.pdf", api.template_preview, name="badgetemplate-preview"),
    path("visits/<int:pk>/badge.pdf", api.visit_badge_pdf, name="visit-badge-pdf"),
    path("visits/<int:pk>/badge/print/", api.visit_badge_print, name="visit-badge-print"),
    path("visits/<int:pk>/badge/reprint/", api.visit_badge_reprint, name="visit-badge-reprint"),
    *router.urls,
]
