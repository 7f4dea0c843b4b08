"""Root URLs. Each app brings `urls.py` (HTML, mounted at the root, prefixes its
own paths) and optionally `api_urls.py` (mounted under /api/v1/)."""

from importlib.util import find_spec

from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from audit.api import JournalViewSet
from sites.api import DeskViewSet, SiteViewSet
from tenancy import api as tenancy_api

router = DefaultRouter(use_regex_path=False)
router.include_format_suffixes = False
router.register("sites", SiteViewSet, basename="site")
router.register("desks", DeskViewSet, basename="desk")
router.register("journal", JournalViewSet, basename="journal")
router.register("auth/tokens", tenancy_api.ApiTokenViewSet, basename="token")

# Apps after the foundation, in the order of the issues.
DOMAIN_APPS = ["visitors", "documents", "badges", "notifications", "reports", "retention", "backups"]


def _app_urls(module: str) -> list:
    app = module.split(".")[0]
    if app in settings.INSTALLED_APPS and find_spec(module) is not None:
        return [path("", include(module))]
    return []


api_v1 = [
    path("auth/token/", tenancy_api.obtain_token, name="api-token"),
    path("me/", tenancy_api.me, name="api-me"),
    *[p for app in DOMAIN_APPS for p in _app_urls(f"{app}.api_urls")],
    *router.urls,
]

urlpatterns = [
    path("", include("tenancy.urls")),
    path("sites/", include("sites.urls")),
    path("journal/", include("audit.urls")),
    *[p for app in DOMAIN_APPS for p in _app_urls(f"{app}.urls")],
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
