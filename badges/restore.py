"""The badges app in backups: its settings in the configuration capture, and the
restore drill's journey step (the arrived visit's badge renders as a PDF in the
restored copy). Registered at import; the backups app autodiscovers
`APP/restore.py`."""

from config.registries import CapturedSettings, JourneyFailed, JourneyStep, captured_settings, restore_journey
from tenancy.scope import tenant_scope

from . import compose


class BadgeStep(JourneyStep):
    key = "badge"
    order = 20

    def run(self, state: dict) -> str:
        with tenant_scope(state["organization"]):
            pdf = compose.render_visit(state["visit"])
        if not pdf.startswith(b"%PDF"):
            raise JourneyFailed("the badge is not a PDF")
        return f"badge rendered ({len(pdf)} bytes)"


restore_journey.register(BadgeStep())
# Settings in the configuration capture (a template's current version in a second pass).
captured_settings.register(CapturedSettings("badges.BadgeImage", ("sha256",), order=40))
captured_settings.register(CapturedSettings("badges.BadgeTemplate", ("name",), ("current",), order=41))
captured_settings.register(CapturedSettings("badges.BadgeTemplateVersion", ("template", "number"), order=42))
captured_settings.register(
    CapturedSettings("badges.BadgeAssignment", ("site", "desk", "visit_type"), order=43)
)
