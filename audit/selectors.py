"""Journal reads shared by the screen, the API and exports."""

import unicodedata

from django.db.models import Q

from config.registries import consultation
from tenancy.models import Membership

from .models import JournalEntry


class FilterError(ValueError):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def visible_entries(membership):
    """Entries the membership may read, newest first. Entries past their
    consultation period are left out for every role; compliance reads them in
    the retention archive. The filters are `audit.filters.journal_entries`."""
    entries = consultation.within(JournalEntry.objects.all(), "journal")
    if not membership.sees_all_sites:
        entries = entries.filter(site_id__in=membership.site_ids)
    return entries.order_by("-seq")


def people_matching(text: str) -> list[int]:
    """Ids of the organization's members whose name or e-mail contains `text`
    (accent- and case-insensitive), for the journal's person filter."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    members = Membership.objects.filter(
        Q(user__full_name__unaccent__icontains=plain) | Q(user__email__icontains=plain)
    )
    return list(members.values_list("user_id", flat=True).distinct())
