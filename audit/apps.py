from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit"

    def ready(self):
        # Imported when the app registry is ready: services loads models.
        from tenancy.journal import journal

        from . import services

        # Tenancy journals its events (members, tokens, sign-ins) through this
        # hook: it sits below audit and does not import it. The journal's and
        # the change history's retention types are in audit/retention.py,
        # found by the retention app.
        journal.install(services.record)
