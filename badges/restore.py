"""The restore drill's journey step of the badges app: the arrived visit's badge
renders as a PDF in the restored copy. Registered at import; the backups app
autodiscovers `APP/restore.py`."""

from config.registries import JourneyFailed, JourneyStep, restore_journey
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
