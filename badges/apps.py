from django.apps import AppConfig

from visitors.visit_page import register_section


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Badges"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from auditlog.registry import auditlog

        from tenancy.management.commands.seed_demo import seed_demo_hooks

        from . import demo
        from .models import BadgeAssignment, BadgeTemplate
        from .visit_section import badge_section

        auditlog.register(BadgeTemplate, exclude_fields=["layout"])
        auditlog.register(BadgeAssignment)
        if demo.seed not in seed_demo_hooks:
            seed_demo_hooks.append(demo.seed)
        register_section(badge_section, order=30)
