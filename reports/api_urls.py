from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("exports", api.ExportViewSet, basename="export")
router.register("export-schedules", api.ExportScheduleViewSet, basename="export-schedule")

urlpatterns = [
    path("export-datasets/", api.dataset_list, name="export-dataset-list"),
    *router.urls,
]
