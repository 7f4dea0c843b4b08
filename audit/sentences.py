"""Journal entries told as sentences, for people: "Arrivée enregistrée par
Marie Dupont au guichet Accueil principal, 09:12 (Europe/Paris)".

The journal keeps ids only (it outlives the personal data it refers to), so
names are looked up when an entry is shown, once for a list of entries
(`audit.names.Names`); a person erased since reads "personne effacée". The
event's name comes from the one registry, `audit.labels.VERBS`; the few events
told with their actor and desk have their sentence here.

    from audit.sentences import describe, history, history_of
    describe(entry, names)  # "Arrivée enregistrée par Marie Dupont au guichet Desk 1 : Visite de Jean Martin"
    lines = history(history_of("visitors.visit", visit.pk), tz=site_timezone)
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .labels import verb_label
from .models import JournalEntry
from .names import Names

# verb -> (without desk, with desk): the event told with who did it
# (%(actor)s) and where (%(desk)s). Other verbs read as their label in
# labels.VERBS, followed by who did it when a person or program did.
SENTENCES = {
    "visit.pre_registered": (gettext_lazy("Pre-registered by %(actor)s"), None),
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
    "badge.printed": (
        gettext_lazy("Badge printed by %(actor)s"),
        gettext_lazy("Badge printed by %(actor)s at the desk %(desk)s"),
    ),
    "document.uploaded": (gettext_lazy("Document added by %(actor)s"), None),
    "document.downloaded": (gettext_lazy("Document opened by %(actor)s"), None),
    "visitor.updated": (gettext_lazy("Visitor's details changed by %(actor)s"), None),
}
# (verb, flag in the entry's data) -> the sentence when the flag is set.
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
DESK_KEYS = ("desk_id", "desk")


def _desk_id(entry):
    data = entry.data or {}
    for key in DESK_KEYS:
        value = data.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return value
    return None


def _sentence(entry, names: Names) -> str:
    data = entry.data or {}
    phrases = SENTENCES.get(entry.verb)
    for flag in ("reprint", "automatic"):
        if data.get(flag) and (entry.verb, flag) in SPECIAL:
            phrases = SPECIAL[(entry.verb, flag)]
    desk_id = _desk_id(entry)
    if phrases is None:
        text = verb_label(entry.verb)
        if entry.actor_id or entry.actor_kind == "token":
            text = _("%(action)s, by %(person)s") % {"action": text, "person": names.actor(entry)}
        if desk_id is not None:
            text = _("%(action)s, desk %(desk)s") % {"action": text, "desk": names.get("sites.desk", desk_id)}
        return text
    plain, with_desk = phrases
    values = {"actor": names.actor(entry)}
    if with_desk is not None and desk_id is not None:
        values["desk"] = names.get("sites.desk", desk_id)
        return str(with_desk) % values
    return str(plain) % values


def describe(entry, names: Names | None = None, *, target: bool = True) -> str:
    """One entry as a sentence: "Arrivée enregistrée par Marie Dupont au
    guichet Desk 1 : Visite de Jean Martin". Pass `names` (built from the
    list's entries) to resolve a list in a few queries; `target=False` leaves
    out the object when the page is about it already."""
    names = names or Names([entry])
    text = _sentence(entry, names)
    what = names.target(entry) if target else ""
    return _("%(action)s: %(object)s") % {"action": text, "object": what} if what else text


def local_time(entry, names: Names | None = None, *, tz: str | None = None) -> str:
    """The entry's time with its zone named: in `tz` ("02/12/2026 09:12
    (Europe/Paris)"), else in its site's zone, else the current one ("… (CET)")."""
    if tz is None:
        names = names or Names([entry])
        zone = names.site_timezone(entry) or timezone.get_current_timezone_name()
    else:
        zone = tz
    moment = timezone.localtime(entry.created_at, zoneinfo.ZoneInfo(zone))
    return f"{date_format(moment, 'SHORT_DATETIME_FORMAT')} ({tz or moment.tzname()})"


@dataclass(frozen=True)
class Line:
    entry: JournalEntry
    at: object  # the local datetime
    text: str  # the sentence, without its time
    time_label: str  # "02/12/2026 09:12 (Europe/Paris)"

    def __str__(self):
        return f"{self.text}, {self.time_label}"


def history(entries, *, tz: str) -> list[Line]:
    """The entries about one object, each as a sentence (the object left out)
    and a local time in `tz` with the zone named; names resolved once."""
    entries = list(entries)
    names = Names(entries)
    zone = zoneinfo.ZoneInfo(tz)
    return [
        Line(
            entry=entry,
            at=timezone.localtime(entry.created_at, zone),
            text=describe(entry, names, target=False),
            time_label=local_time(entry, names, tz=tz),
        )
        for entry in entries
    ]


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
