from django.apps import AppConfig
from django.db.models.signals import post_save

from config.registries import home_summaries


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from audit import services as audit
        from tenancy.management.commands.seed_demo import seed_demo_hooks
        from tenancy.models import Organization
        from visitors import invitations

        from . import outbox
        from .signals import install_defaults, seed_demo
        from .summary import FailedSends

        for event in outbox.EVENTS:
            audit.on(event, outbox.on_event, in_transaction=True)
        # The visits app builds and times its invitations; we route them through
        # the default rule, our templates and the send log.
        invitations.sender = outbox.send_invitation
        post_save.connect(install_defaults, sender=Organization, dispatch_uid="notifications-defaults")
        seed_demo_hooks.append(seed_demo)
        home_summaries.register(FailedSends())
