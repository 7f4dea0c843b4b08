from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from config.registries import retention_types

        from .datasets import register_all
        from .retention import ExportFilesRetention

        register_all()
        retention_types.register(ExportFilesRetention())
