from rest_framework.routers import SimpleRouter

from .api import RestoreTicketViewSet

router = SimpleRouter(use_regex_path=False)
router.register("restore-tickets", RestoreTicketViewSet, basename="restore-ticket")

urlpatterns = router.urls
