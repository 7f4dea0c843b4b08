"""The journal in a restore: compared and reported, never rewritten (it is
append-only), and its chain verified after a restore and in a drill. Registered
at import; the backups app autodiscovers `APP/restore.py`."""

from django.utils.translation import gettext_lazy as _

from config.registries import RestoreCheck, RestorePart, RestoreTable, restore_checks, restore_parts
from tenancy.models import Organization
from tenancy.scope import tenant_scope

from .services import verify


class JournalRestore(RestorePart):
    key = "journal"
    data_type = "journal"
    order = 90
    tables = (
        RestoreTable(
            "audit.JournalEntry",
            "created_at >= %(start)s AND created_at < %(end)s",
            label=_("Journal entries"),
            read_only=True,
        ),
    )


class JournalCheck(RestoreCheck):
    """After a scoped restore: the organization's chain (run in its scope)."""

    key = "journal"
    label = _("Journal chain intact")
    order = 10

    def after_apply(self, organization_id):
        result = verify(organization_id)
        return result.ok, result.reason or f"{result.checked} entries"


class JournalsCheck(RestoreCheck):
    """In a restored copy: every organization's chain."""

    key = "journals"
    label = _("Journal chains intact")
    order = 10

    def after_drill(self):
        broken = []
        count = 0
        for org in Organization.objects.order_by("pk"):
            with tenant_scope(org):
                result = verify(org)
            count += result.checked
            if not result.ok:
                broken.append(f"{org.slug}: #{result.broken_seq} {result.reason}")
        return not broken, "; ".join(broken) or f"{count} entries in {Organization.objects.count()} journals"


restore_parts.register(JournalRestore())
restore_checks.register(JournalCheck())
restore_checks.register(JournalsCheck())
