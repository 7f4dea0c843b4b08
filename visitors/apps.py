from django.apps import AppConfig


class VisitorsConfig(AppConfig):
    name = "visitors"
    verbose_name = "Visitors"

    def ready(self):
        from tenancy.management.commands.seed_demo import seed_demo_hooks

        from . import demo, watchlist
        from .checks import register_arrival_check

        register_arrival_check(watchlist.watchlist_check, gate=watchlist.listed_gate)
        from config.registries import home_summaries

        from .summary import ApprovalsWaiting

        home_summaries.register(ApprovalsWaiting())
        if demo.seed not in seed_demo_hooks:
            seed_demo_hooks.append(demo.seed)
