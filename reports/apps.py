from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # Each app that owns data registers its datasets (and dashboard figures)
        # in its own `exports.py`; the reports app imports none of them by name.
        # The export files' retention type is in reports/retention.py, found by
        # the retention app.
        autodiscover_modules("exports")
