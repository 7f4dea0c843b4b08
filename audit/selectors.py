"""Journal reads with the filters shared by the screen, the API and exports."""

import datetime
import unicodedata

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.dates import DateInputError, parse_moment
from config.inputs import whole_id
from config.registries import consultation
from tenancy.models import Membership

from .models import JournalEntry


class FilterError(ValueError):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def _moment(field, value, end=False):
    if not value:
        return None
    try:
        moment = parse_moment(value)
    except DateInputError as error:
        raise FilterError(field, str(error)) from error
    if not isinstance(moment, datetime.datetime):
        day = moment
        moment = datetime.datetime.combine(day + datetime.timedelta(days=1) if end else day, datetime.time())
        moment = moment.replace(tzinfo=datetime.UTC)
    elif timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def journal_entries(membership, params):
    """Entries visible to the membership, filtered by period, site, actor, verb.
    Entries past their consultation period are left out for every role;
    compliance reads them in the retention archive."""
    entries = consultation.within(JournalEntry.objects.all(), "journal")
    if not membership.sees_all_sites:
        entries = entries.filter(site_id__in=membership.site_ids)
    start = _moment("from", params.get("from"))
    end = _moment("to", params.get("to"), end=True)
    if start and end and start > end:
        raise FilterError("from", _("The start of the period is after its end."))
    if start:
        entries = entries.filter(created_at__gte=start)
    if end:
        entries = entries.filter(created_at__lt=end)
    for field, column in (("site", "site_id"), ("actor", "actor_id")):
        value = params.get(field)
        if value:
            if whole_id(value) is None:
                raise FilterError(field, _("Enter a whole number."))
            entries = entries.filter(**{column: whole_id(value)})
    person = (params.get("person") or "").strip()
    if person:
        entries = entries.filter(actor_id__in=people_matching(person))
    verb = params.get("verb")
    if verb:
        entries = entries.filter(verb__startswith=verb) if verb.endswith(".") else entries.filter(verb=verb)
    return entries.order_by("-seq")


def people_matching(text: str) -> list[int]:
    """Ids of the organization's members whose name or e-mail contains `text`
    (accent- and case-insensitive), for the journal's person filter."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    members = Membership.objects.filter(
        Q(user__full_name__unaccent__icontains=plain) | Q(user__email__icontains=plain)
    )
    return list(members.values_list("user_id", flat=True).distinct())
