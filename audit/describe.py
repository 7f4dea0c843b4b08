"""Journal entries told in words, for people: "Arrivée enregistrée par Marie
Dupont au guichet Accueil principal, 09:12 (Europe/Paris)".

The journal keeps ids only (it outlives the personal data it refers to), so
names are looked up when an entry is shown, in bulk for a page of entries; a
person erased since reads "personne effacée". Any screen may use it:

    from audit.describe import describe, history_of
    lines = describe(history_of("visitors.visit", visit.pk), tz=site_timezone)
"""

import zoneinfo
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from sites.models import Desk

from .models import JournalEntry

# verb -> (without desk, with desk). %(actor)s is a person's name (or what acted
# in their place), %(desk)s a desk's name.
PHRASES = {
    "visit.pre_registered": (gettext_lazy("Pre-registered by %(actor)s"), None),
    "visit.pending_approval": (gettext_lazy("Waiting for approval"), None),
    "visit.approved": (gettext_lazy("Approved by %(actor)s"), None),
    "visit.refused": (gettext_lazy("Refused by %(actor)s"), None),
    "visit.cancelled": (gettext_lazy("Cancelled by %(actor)s"), None),
    "visit.updated": (gettext_lazy("Changed by %(actor)s"), None),
    "visit.arrived": (
        gettext_lazy("Arrival registered by %(actor)s"),
        gettext_lazy("Arrival registered by %(actor)s at the desk %(desk)s"),
    ),
    "visit.departed": (
        gettext_lazy("Departure registered by %(actor)s"),
        gettext_lazy("Departure registered by %(actor)s at the desk %(desk)s"),
    ),
    "visit.denied": (
        gettext_lazy("Refused by a blocking check (watchlist or documents)"),
        gettext_lazy("Refused by a blocking check (watchlist or documents) at the desk %(desk)s"),
    ),
    "visit.override": (gettext_lazy("Blocking check lifted by %(actor)s"), None),
    "visit.no_show": (gettext_lazy("Marked as a no-show"), None),
    "visit.overdue": (gettext_lazy("Still on site after the expected end"), None),
    "badge.printed": (
        gettext_lazy("Badge printed by %(actor)s"),
        gettext_lazy("Badge printed by %(actor)s at the desk %(desk)s"),
    ),
    "consent.signed": (gettext_lazy("Consent signed"), None),
    "document.uploaded": (gettext_lazy("Document added by %(actor)s"), None),
    "document.downloaded": (gettext_lazy("Document opened by %(actor)s"), None),
    "visitor.updated": (gettext_lazy("Visitor's details changed by %(actor)s"), None),
}
SPECIAL = {
    ("badge.printed", "reprint"): (
        gettext_lazy("Badge reprinted by %(actor)s"),
        gettext_lazy("Badge reprinted by %(actor)s at the desk %(desk)s"),
    ),
    ("visit.departed", "automatic"): (
        gettext_lazy("Departure registered automatically at closing time"),
        None,
    ),
}
ERASED = pgettext_lazy("journal", "erased person")
SYSTEM = pgettext_lazy("journal", "Vestibule (automatic)")
API_TOKEN = pgettext_lazy("journal", "an API program")


@dataclass(frozen=True)
class Line:
    entry: JournalEntry
    at: object  # the local datetime
    text: str  # the sentence, without its time
    time_label: str  # "09:12 (Europe/Paris)"

    def __str__(self):
        return f"{self.text}, {self.time_label}"


def history_of(target_type: str, target_id, *, data_key: str | None = "visit_id", site_id=None, since=None):
    """The entries about one object: those that target it, and those whose data
    names it (a consent signed for the visit, a document added to it).

    The journal has no index by object (each index costs every append): give
    the object's creation time (`since`), and the time index narrows the read
    to the entries written since; `site_id` narrows it further when the
    object cannot change site."""
    condition = Q(target_type=target_type, target_id=str(target_id))
    if data_key:
        condition |= Q(**{f"data__{data_key}": int(target_id)})
    entries = JournalEntry.objects.filter(condition)
    if site_id is not None:
        entries = entries.filter(site_id=site_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return entries.order_by("seq")


def _names(entries) -> tuple[dict, dict]:
    user_ids = {e.actor_id for e in entries if e.actor_id}
    desk_ids = {_desk_id(e) for e in entries} - {None}
    users = {u.pk: u.get_full_name() or u.email for u in get_user_model().objects.filter(pk__in=user_ids)}
    desks = dict(Desk.objects.filter(pk__in=desk_ids).values_list("pk", "name"))
    return users, desks


def _desk_id(entry):
    data = entry.data or {}
    value = data.get("desk_id", data.get("desk"))
    return value if isinstance(value, int) else None


def actor_name(entry, users: dict) -> str:
    if entry.actor_kind == "token" and not entry.actor_id:
        return str(API_TOKEN)
    if entry.actor_id:
        return users.get(entry.actor_id) or str(ERASED)
    return str(SYSTEM)


def sentence(entry, users: dict, desks: dict) -> str:
    data = entry.data or {}
    phrases = PHRASES.get(entry.verb)
    for flag in ("reprint", "automatic"):
        if data.get(flag) and (entry.verb, flag) in SPECIAL:
            phrases = SPECIAL[(entry.verb, flag)]
    if phrases is None:
        return verb_label(entry.verb)
    plain, with_desk = phrases
    desk_id = _desk_id(entry)
    values = {"actor": actor_name(entry, users)}
    if with_desk is not None and desk_id is not None:
        values["desk"] = desks.get(desk_id) or _("deleted desk")
        return str(with_desk) % values
    return str(plain) % values


# Other apps may add words for their own verbs: describe.VERB_LABELS["x.y"] = _("...").
VERB_LABELS: dict[str, str] = {}


def verb_label(verb: str) -> str:
    label = VERB_LABELS.get(verb)
    if label:
        return str(label)
    plain = PHRASES.get(verb)
    if plain and "%(" not in str(plain[0]):
        return str(plain[0])
    return _("Other action (%(code)s)") % {"code": verb}


def describe(entries, *, tz: str) -> list[Line]:
    """Each entry as a sentence and a local time with its zone named."""
    entries = list(entries)
    users, desks = _names(entries)
    zone = zoneinfo.ZoneInfo(tz)
    lines = []
    for entry in entries:
        local = timezone.localtime(entry.created_at, zone)
        label = f"{date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M} ({tz})"
        lines.append(Line(entry=entry, at=local, text=sentence(entry, users, desks), time_label=label))
    return lines
