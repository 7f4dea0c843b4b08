from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"

    def ready(self):
        from config.registries import retention_types

        from . import lookups  # noqa: F401  (registers `__any_of`)
        from .archive import install as install_consultation_filter
        from .types import JournalRetention, VisitorIdentitiesRetention, VisitsRetention

        retention_types.register(VisitsRetention())
        retention_types.register(VisitorIdentitiesRetention())
        retention_types.register(JournalRetention())
        install_consultation_filter()
        from config.registries import home_summaries

        from .summary import PurgeRuns

        home_summaries.register(PurgeRuns())
