"""Mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("retention-policies", api.PolicyViewSet, basename="retention-policy")
router.register("legal-holds", api.HoldViewSet, basename="legal-hold")
router.register("purge-runs", api.RunViewSet, basename="purge-run")
router.register("subject-requests", api.SubjectRequestViewSet, basename="subject-request")

urlpatterns = router.urls
