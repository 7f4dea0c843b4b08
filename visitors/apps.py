from django.apps import AppConfig

from config.registries import home_summaries

from .checks import register_arrival_check


class VisitorsConfig(AppConfig):
    name = "visitors"
    verbose_name = "Visitors"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from tenancy.management.commands.seed_demo import seed_demo_hooks

        from . import demo, watchlist
        from .summary import ApprovalsWaiting

        register_arrival_check(watchlist.watchlist_check, gate=watchlist.listed_gate)
        home_summaries.register(ApprovalsWaiting())
        if demo.seed not in seed_demo_hooks:
            seed_demo_hooks.append(demo.seed)
