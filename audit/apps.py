from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from config.registries import retention_types
        from tenancy.journal import journal

        from . import services
        from .lifecycle import ChangeHistoryRetention

        retention_types.register(ChangeHistoryRetention())
        # Tenancy journals its events (members, tokens, sign-ins) through this
        # hook: it sits below audit and does not import it.
        journal.install(services.record)
