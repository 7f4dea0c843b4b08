from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sites"
    label = "sites"
    verbose_name = "Sites"

    def ready(self):
        from auditlog.registry import auditlog

        from .models import Desk, Site

        auditlog.register(Site)
        auditlog.register(Desk)
