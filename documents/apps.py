from django.apps import AppConfig

from visitors.checks import register_arrival_check, register_desk_step, register_self_service
from visitors.visit_page import register_section


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents"

    def ready(self):
        # Imported when the app registry is ready: they load models.
        from auditlog.registry import auditlog

        from tenancy.management.commands.seed_demo import seed_demo_hooks
        from visitors import invitations

        from . import demo, hooks
        from .models import ConsentText, DocumentPolicy
        from .selectors import requires_any_gate
        from .visit_section import documents_section

        auditlog.register(ConsentText)
        auditlog.register(DocumentPolicy)
        # No override lifts a missing consent: it is signed, at the kiosk, on the
        # invitation page or at the desk.
        register_arrival_check(hooks.missing_consents_check, gate=requires_any_gate, overridable=False)
        register_self_service(hooks.kiosk_signing_link)
        register_desk_step(hooks.desk_signing_links)
        if hooks.sign_before_visit_link not in invitations.extra_links:
            invitations.extra_links.append(hooks.sign_before_visit_link)
        if demo.seed not in seed_demo_hooks:
            seed_demo_hooks.append(demo.seed)
        register_section(documents_section, order=20)
