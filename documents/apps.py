from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents"

    def ready(self):
        from auditlog.registry import auditlog

        from config.registries import retention_types
        from tenancy.management.commands.seed_demo import seed_demo_hooks
        from visitors import invitations
        from visitors.checks import register_arrival_check, register_self_service

        from . import demo, hooks
        from .models import ConsentText, DocumentPolicy
        from .retention import ConsentsRetention, DocumentsRetention
        from .selectors import requires_any_gate

        auditlog.register(ConsentText)
        auditlog.register(DocumentPolicy)
        retention_types.register(DocumentsRetention())
        retention_types.register(ConsentsRetention())
        register_arrival_check(hooks.missing_consents_check, gate=requires_any_gate)
        register_self_service(hooks.kiosk_signing_link)
        if hooks.sign_before_visit_link not in invitations.extra_links:
            invitations.extra_links.append(hooks.sign_before_visit_link)
        if demo.seed not in seed_demo_hooks:
            seed_demo_hooks.append(demo.seed)
        from visitors.visit_page import register_section

        from .visit_section import documents_section

        register_section(documents_section, order=20)
