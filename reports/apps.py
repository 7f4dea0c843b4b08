from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules

from config.registries import retention_types


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # app registry: reports.retention imports the models, loadable only once the apps are
        from .retention import ExportFilesRetention

        # Each app that owns data registers its datasets (and dashboard figures)
        # in its own `exports.py`; the reports app imports none of them by name.
        autodiscover_modules("exports")
        retention_types.register(ExportFilesRetention())
