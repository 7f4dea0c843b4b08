from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules

from config import lookups  # noqa: F401  (registers `__any_of`)
from config.registries import home_summaries


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from .archive import install as install_consultation_filter
        from .summary import PurgeRuns

        # Each app that owns data registers its retention data types and how a
        # person's rows are found, in its own `retention.py` and `subjects.py`.
        autodiscover_modules("retention", "subjects")
        install_consultation_filter()
        home_summaries.register(PurgeRuns())
