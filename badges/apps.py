from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Badges"

    def ready(self):
        from auditlog.registry import auditlog

        from tenancy.management.commands.seed_demo import seed_demo_hooks

        from . import demo
        from .models import BadgeAssignment, BadgeTemplate

        auditlog.register(BadgeTemplate, exclude_fields=["layout"])
        auditlog.register(BadgeAssignment)
        if demo.seed not in seed_demo_hooks:
            seed_demo_hooks.append(demo.seed)
        from visitors.visit_page import register_section

        from .visit_section import badge_section

        register_section(badge_section, order=30)
