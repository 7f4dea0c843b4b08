from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("notification-lists", api.RecipientListViewSet, basename="notification-list")
router.register("notification-rules", api.NotificationRuleViewSet, basename="notification-rule")
router.register("message-templates", api.MessageTemplateViewSet, basename="message-template")
router.register("messages", api.MessageViewSet, basename="message")

urlpatterns = [
    path("notification-config/", api.notification_config, name="notification-config"),
    *router.urls,
]
