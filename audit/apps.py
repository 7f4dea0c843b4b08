from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self):
        from config.registries import retention_types

        from .lifecycle import ChangeHistoryRetention

        retention_types.register(ChangeHistoryRetention())
