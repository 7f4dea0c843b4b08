from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from config.registries import retention_types

        from .retention import ExportFilesRetention

        # Each app that owns data registers its datasets (and dashboard figures)
        # in its own `exports.py`; the reports app imports none of them by name.
        autodiscover_modules("exports")
        retention_types.register(ExportFilesRetention())
