from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sites"
    label = "sites"
    verbose_name = "Sites"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from auditlog.registry import auditlog

        from tenancy.management.commands.seed_demo import seed_demo_hooks
        from tenancy.perimeter import perimeter

        from . import demo, selectors
        from .models import Desk, Site

        auditlog.register(Site)
        auditlog.register(Desk)
        # Tenancy and audit sit below this app: they reach the sites through
        # the perimeter tenancy keeps, never by importing us.
        perimeter.install(every_site=Site.objects.all, sites_for=selectors.sites_for)
        # Every other app's demo rows sit at a site: ours come first.
        if demo.seed not in seed_demo_hooks:
            seed_demo_hooks.insert(0, demo.seed)
