from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("visitors", api.VisitorViewSet, basename="visitor")
router.register("visit-types", api.VisitTypeViewSet, basename="visit-type")
router.register("visits", api.VisitViewSet, basename="visit")
router.register("watchlist", api.WatchlistViewSet, basename="watchlist-entry")
router.register("kiosk-tokens", api.KioskTokenViewSet, basename="kiosk-token")

urlpatterns = [
    path("sites/<int:pk>/on-site/", api.OnSiteViewSet.as_view({"get": "on_site"}), name="site-on-site"),
    *router.urls,
]
