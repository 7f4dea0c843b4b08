"""The journal in words: one registry of what each event (verb) is called, and
`describe(entry)` that tells an entry as a sentence, with people and objects
named as they are now ("personne effacée" once a person has been erased).

A new verb gets its label here, in `VERBS`, next to the others: screens, the
send log, the visit page's history and the journal filter all read it. A verb
without a label still reads as words (its parts humanised), never as a code.

    from audit.labels import describe, verb_label
    verb_label("visit.arrived")  # "Arrivée enregistrée"
    describe(entry)  # "Arrivée enregistrée : Visite de Jean Martin, par Marie Dupont"

For a page of entries, `Names(entries)` resolves every id in a few queries and
`describe(entry, names=names)` reuses it.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict

from django.apps import apps
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

VERBS = {
    # Visits and visitors
    "visit.pre_registered": gettext_lazy("Visit pre-registered"),
    "visit.pending_approval": gettext_lazy("Visit waiting for approval"),
    "visit.approved": gettext_lazy("Visit approved"),
    "visit.refused": gettext_lazy("Visit refused"),
    "visit.updated": gettext_lazy("Visit changed"),
    "visit.cancelled": gettext_lazy("Visit cancelled"),
    "visit.arrived": gettext_lazy("Arrival recorded"),
    "visit.departed": gettext_lazy("Departure recorded"),
    "visit.override": gettext_lazy("Watchlist block lifted"),
    "visit.no_show": gettext_lazy("No-show recorded"),
    "visit.overdue": gettext_lazy("Visit past its expected end"),
    "visit.denied": gettext_lazy("Arrival refused"),
    "visitor.updated": gettext_lazy("Visitor details changed"),
    "visit_type.created": gettext_lazy("Visit type created"),
    "visit_type.updated": gettext_lazy("Visit type changed"),
    "watchlist.added": gettext_lazy("Added to the watchlist"),
    "watchlist.updated": gettext_lazy("Watchlist entry changed"),
    "watchlist.removed": gettext_lazy("Removed from the watchlist"),
    "kiosk.token_created": gettext_lazy("Kiosk link created"),
    "kiosk.token_revoked": gettext_lazy("Kiosk link revoked"),
    # Documents and badges
    "consent.signed": gettext_lazy("Consent signed"),
    "consent_text.created": gettext_lazy("Consent text created"),
    "consent_text.updated": gettext_lazy("Consent text changed"),
    "consent_text.versioned": gettext_lazy("New consent text version"),
    "document.uploaded": gettext_lazy("Document added"),
    "document.downloaded": gettext_lazy("Document downloaded"),
    "document.orphans_removed": gettext_lazy("Unreferenced files removed"),
    "documents.archive_requested": gettext_lazy("Document archive requested"),
    "documents.archive_exported": gettext_lazy("Document archive ready"),
    "documents.archive_downloaded": gettext_lazy("Document archive downloaded"),
    "documents.archive_expired": gettext_lazy("Document archive expired"),
    "documents.policy_updated": gettext_lazy("Document policy changed"),
    "badge.printed": gettext_lazy("Badge printed"),
    "badge_template.created": gettext_lazy("Badge template created"),
    "badge_template.updated": gettext_lazy("Badge template changed"),
    "badge_template.deleted": gettext_lazy("Badge template deleted"),
    "badge_template.assigned": gettext_lazy("Badge template assigned"),
    "badge_template.unassigned": gettext_lazy("Badge template unassigned"),
    # Accounts and configuration
    "auth.login": gettext_lazy("Signed in"),
    "auth.logout": gettext_lazy("Signed out"),
    "auth.login_failed": gettext_lazy("Failed sign-in"),
    "auth.locked_out": gettext_lazy("Account locked after failed sign-ins"),
    "auth.token_created": gettext_lazy("API token created"),
    "auth.token_revoked": gettext_lazy("API token revoked"),
    "membership.created": gettext_lazy("Member added"),
    "membership.changed": gettext_lazy("Member's role changed"),
    "organization.created": gettext_lazy("Organization created"),
    "config.imported": gettext_lazy("Configuration imported"),
    "site.created": gettext_lazy("Site created"),
    "site.updated": gettext_lazy("Site changed"),
    "site.deleted": gettext_lazy("Site deleted"),
    "desk.created": gettext_lazy("Desk created"),
    "desk.updated": gettext_lazy("Desk changed"),
    # Notifications
    "message.failed": gettext_lazy("Message not delivered"),
    "message.retried": gettext_lazy("Message sent again"),
    "message.test": gettext_lazy("Test message sent"),
    "message_template.saved": gettext_lazy("Message template saved"),
    "message_template.reset": gettext_lazy("Message template reset"),
    "notification_list.created": gettext_lazy("Recipient list created"),
    "notification_list.updated": gettext_lazy("Recipient list changed"),
    "notification_list.deleted": gettext_lazy("Recipient list deleted"),
    "notification_rule.created": gettext_lazy("Notification rule created"),
    "notification_rule.updated": gettext_lazy("Notification rule changed"),
    "notification_rule.deleted": gettext_lazy("Notification rule deleted"),
    "notification_config.imported": gettext_lazy("Notification settings imported"),
    # Reports
    "export.created": gettext_lazy("Export requested"),
    "export.downloaded": gettext_lazy("Export downloaded"),
    "export.expired": gettext_lazy("Export file deleted (expired)"),
    "export_schedule.created": gettext_lazy("Scheduled export created"),
    "export_schedule.updated": gettext_lazy("Scheduled export changed"),
    "export_schedule.deleted": gettext_lazy("Scheduled export deleted"),
    # Retention and GDPR
    "retention.archive_opened": gettext_lazy("Archive opened"),
    "retention.hold_placed": gettext_lazy("Legal hold placed"),
    "retention.hold_changed": gettext_lazy("Legal hold changed"),
    "retention.hold_released": gettext_lazy("Legal hold released"),
    "retention.policy_applied": gettext_lazy("Retention policy applied"),
    "retention.policy_changed": gettext_lazy("Retention policy changed"),
    "retention.policy_removed": gettext_lazy("Retention policy removed"),
    "retention.purge_requested": gettext_lazy("Purge requested"),
    "retention.purged": gettext_lazy("Purge done"),
    "retention.request_received": gettext_lazy("Data-subject request received"),
    "retention.request_exported": gettext_lazy("Data-subject request: data exported"),
    "retention.request_completed": gettext_lazy("Data-subject request completed"),
    "retention.request_refused": gettext_lazy("Data-subject request refused"),
    # Backups
    "backup.created": gettext_lazy("Backup made"),
    "backup.verified": gettext_lazy("Backup verified"),
    "backup.verify_failed": gettext_lazy("Backup verification failed"),
    "restore.ticket_opened": gettext_lazy("Restore request opened"),
    "restore.ticket_state": gettext_lazy("Restore request status changed"),
    "restore.ticket_commented": gettext_lazy("Comment on a restore request"),
    "restore.previewed": gettext_lazy("Restore previewed"),
    "restore.applied": gettext_lazy("Restore applied"),
    "support.access_granted": gettext_lazy("Support access granted"),
    "support.access_revoked": gettext_lazy("Support access revoked"),
}

# What the journal's target types are called, by model label.
TARGETS = {
    "visitors.visit": gettext_lazy("visit"),
    "visitors.visitor": gettext_lazy("visitor"),
    "tenancy.user": gettext_lazy("user"),
}

# Keys of entries' data, as a person reads them.
DATA_LABELS = {
    "visitor_id": gettext_lazy("Visitor"),
    "host_id": gettext_lazy("Host"),
    "visit_type_id": gettext_lazy("Visit type"),
    "desk_id": gettext_lazy("Desk"),
    "site_id": gettext_lazy("Site"),
    "membership_id": gettext_lazy("Member"),
    "fields": gettext_lazy("Changed"),
    "data_type": gettext_lazy("Data type"),
    "dataset": gettext_lazy("Data"),
    "counts": gettext_lazy("Counts"),
    "count": gettext_lazy("Number"),
    "automatic": gettext_lazy("Automatic"),
    "reason": gettext_lazy("Reason"),
    "before": gettext_lazy("Before"),
    "after": gettext_lazy("After"),
    "role": gettext_lazy("Role"),
    "version": gettext_lazy("Version"),
    "failed": gettext_lazy("Failed checks"),
    "rto_seconds": gettext_lazy("Restore time (s)"),
    "rpo_seconds": gettext_lazy("Data loss window (s)"),
    "types": gettext_lazy("Data types"),
    "kind": gettext_lazy("Kind"),
    "status": gettext_lazy("Status"),
    "rows": gettext_lazy("Rows"),
    "event": gettext_lazy("Event"),
    "rule": gettext_lazy("Rule"),
    "channel": gettext_lazy("Channel"),
    "user_id": gettext_lazy("User"),
    "list": gettext_lazy("Recipient list"),
    "list_id": gettext_lazy("Recipient list"),
    "member_ids": gettext_lazy("Members"),
    "site_ids": gettext_lazy("Sites"),
    "sites": gettext_lazy("Sites"),
    "lists": gettext_lazy("Recipient lists"),
    "rules": gettext_lazy("Rules"),
    "desk": gettext_lazy("Desk"),
    "data_types": gettext_lazy("Data types"),
    "columns": gettext_lazy("Columns"),
    "language": gettext_lazy("Language"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "filters": gettext_lazy("Filters"),
    "size": gettext_lazy("Size"),
    "attempts": gettext_lazy("Attempts"),
    "deadline": gettext_lazy("Deadline"),
    "is_active": gettext_lazy("Active"),
}
# Keys that repeat the entry's target or are internal: not shown.
HIDDEN_DATA = {
    "visit_id",
    "message_id",
    "version_id",
    "kiosk_token_id",
    "watchlist_entry_id",
    "drill",
    "run",
    "ticket",
    "comment",
    "hold",
    "backup_run",
    "sha256",
    "digest",
    "policy",
    "started_at",
    "finished_at",
    "assignment",
    "grant",
}

ERASED = pgettext_lazy("journal", "erased person")
SYSTEM = pgettext_lazy("journal", "Vestibule (automatic)")


def _humanise(code: str) -> str:
    return capfirst(code.replace(".", " ").replace("_", " ").strip())


def verb_label(verb: str) -> str:
    """The translated name of an event, words even for an unknown verb."""
    label = VERBS.get(verb)
    return str(label) if label is not None else _humanise(verb)


def verb_choices() -> list[tuple[str, str]]:
    """(verb, label) for a filter's list, in the order of their labels."""
    return sorted(((verb, str(label)) for verb, label in VERBS.items()), key=lambda pair: pair[1].lower())


def data_type_label(key: str) -> str:
    from config.registries import retention_types

    kind = retention_types.get(key)
    return str(kind.label) if kind is not None and kind.label else _humanise(key)


def dataset_label(key) -> str:
    if not key:
        return ""
    from config.registries import export_datasets

    kind = export_datasets.get(key)
    return str(kind.label) if kind is not None and getattr(kind, "label", "") else _humanise(str(key))


ACTIONS = {
    "anonymise": gettext_lazy("Anonymise"),
    "delete": gettext_lazy("Delete"),
}


def action_label(key) -> str:
    """A retention action (anonymise, delete) in words."""
    if not key:
        return ""
    label = ACTIONS.get(key)
    return str(label) if label is not None else _humanise(str(key))


def colon() -> str:
    """The colon after a label: French puts a narrow no-break space before it."""
    return "\u202f:" if _is_french() else ":"


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _visitor_name(visitor) -> str:
    if visitor is None or getattr(visitor, "anonymized_at", None) or not str(visitor).strip():
        return str(ERASED)
    return str(visitor)


def _name(label: str, obj) -> str:
    """How one object is called on a screen."""
    if label == "visitors.visitor":
        return _visitor_name(obj)
    if label == "visitors.visit":
        return _("Visit of %(name)s") % {"name": _visitor_name(obj.visitor)}
    if label == "tenancy.user":
        return obj.get_full_name()
    if label == "tenancy.membership":
        return obj.user.get_full_name()
    if label == "visitors.visittype":
        return obj.name
    if label in ("sites.site", "sites.desk"):
        return obj.name
    if label == "documents.consenttext" and obj.current_version_id:
        title = capfirst(str(type(obj)._meta.verbose_name))
        return f"{title} « {obj} »" if _is_french() else f"{title} “{obj}”"
    model = type(obj)
    title = capfirst(str(model._meta.verbose_name))
    name = getattr(obj, "name", "") or getattr(obj, "reason", "")
    if isinstance(name, str) and name.strip():
        return f"{title} « {name.strip()} »" if _is_french() else f"{title} “{name.strip()}”"
    return title


def _is_french() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "fr").startswith("fr")


def name_of(obj) -> str:
    """How one object is called on a screen ("Visite de Jean Martin",
    "personne effacée", "Règle de notification « Arrivée → hôte »")."""
    return _name(obj._meta.label_lower, obj)


_RELATED = {
    "visitors.visit": ("visitor",),
    "tenancy.membership": ("user",),
}


class Names:
    """Every id a batch of entries mentions, resolved in one query per kind.
    Runs inside the tenant scope of the entries."""

    # data key -> model label of the id it holds
    DATA_IDS = {
        "visitor_id": "visitors.visitor",
        "host_id": "tenancy.membership",
        "membership_id": "tenancy.membership",
        "visit_type_id": "visitors.visittype",
        "desk_id": "sites.desk",
        "site_id": "sites.site",
        "rule": "notifications.notificationrule",
        "rule_id": "notifications.notificationrule",
        "user_id": "tenancy.user",
        "list": "notifications.recipientlist",
        "list_id": "notifications.recipientlist",
        "desk": "sites.desk",
    }
    # data key -> model label of the ids listed under it
    LIST_IDS = {
        "member_ids": "tenancy.membership",
        "site_ids": "sites.site",
        "sites": "sites.site",
        "lists": "notifications.recipientlist",
        "rules": "notifications.notificationrule",
    }

    def __init__(self, entries=()):
        self._wanted: dict[str, set] = defaultdict(set)
        self._found: dict[str, dict] = {}
        self._tz: dict[int, str] = {}
        for entry in entries:
            self.want(entry)

    def want(self, entry) -> None:
        if entry.actor_id:
            self._wanted["tenancy.user"].add(entry.actor_id)
        if entry.target_type and entry.target_id:
            self._wanted[entry.target_type].add(entry.target_id)
        if entry.site_id:
            self._wanted["sites.site"].add(entry.site_id)
        for key, label in self.DATA_IDS.items():
            value = (entry.data or {}).get(key)
            if isinstance(value, int | str) and str(value).isdigit():
                self._wanted[label].add(value)

    def _load(self, label: str) -> dict:
        if label in self._found:
            return self._found[label]
        found: dict = {}
        model = _model(label)
        ids = [i for i in self._wanted.get(label, ()) if str(i).isdigit()]
        if model is not None and ids:
            manager = model.objects
            if label == "tenancy.user":
                from django_scopes import scopes_disabled

                with scopes_disabled():
                    found = {str(o.pk): o for o in model._default_manager.filter(pk__in=ids)}
            else:
                rows = manager.filter(pk__in=ids)
                related = _RELATED.get(label)
                if related:
                    rows = rows.select_related(*related)
                found = {str(o.pk): o for o in rows}
        self._found[label] = found
        return found

    def get(self, label: str, pk) -> str:
        """The object's name; a missing person is erased, a missing thing deleted."""
        if pk in (None, ""):
            return ""
        self._wanted[label].add(pk)
        if label in self._found and str(pk) not in self._found[label]:
            self._found.pop(label)  # asked for later than the batch: load again
        obj = self._load(label).get(str(pk))
        if obj is None:
            if label in ("visitors.visitor", "tenancy.user", "tenancy.membership", "visitors.visit"):
                return str(ERASED) if label != "visitors.visit" else _("Deleted visit")
            model = _model(label)
            title = capfirst(str(model._meta.verbose_name)) if model else _humanise(label)
            return _("%(what)s (deleted)") % {"what": title}
        return _name(label, obj)

    def actor(self, entry) -> str:
        if entry.actor_kind == "system" or not entry.actor_id:
            return str(SYSTEM) if not entry.token_id else _("API token")
        name = self.get("tenancy.user", entry.actor_id)
        if entry.actor_kind == "token":
            return _("%(name)s (API token)") % {"name": name}
        return name

    def target(self, entry) -> str:
        if not entry.target_type:
            return ""
        return self.get(entry.target_type, entry.target_id)

    def site(self, entry) -> str:
        return self.get("sites.site", entry.site_id) if entry.site_id else ""

    def site_timezone(self, entry) -> str | None:
        if not entry.site_id:
            return None
        self.get("sites.site", entry.site_id)
        site = self._found.get("sites.site", {}).get(str(entry.site_id))
        return getattr(site, "timezone", None)

    def details(self, entry) -> list[tuple[str, str]]:
        """The entry's data as (label, words) pairs, ids named, codes translated."""
        out = []
        model = _model(entry.target_type) if entry.target_type else None
        for key, value in (entry.data or {}).items():
            if key in HIDDEN_DATA or value in (None, "", [], {}):
                continue
            label = str(DATA_LABELS.get(key) or _humanise(key.removesuffix("_id")))
            out.append((label, self._value(key, value, model)))
        return out

    def _value(self, key, value, model) -> str:
        if key in self.DATA_IDS and str(value).isdigit():
            return self.get(self.DATA_IDS[key], value)
        if key in self.LIST_IDS and isinstance(value, list) and all(str(v).isdigit() for v in value):
            return ", ".join(self.get(self.LIST_IDS[key], v) for v in value)
        if key == "role" and isinstance(value, str):
            from tenancy.models import Role

            return str(dict(Role.choices).get(value, value))
        if key == "data_types" and isinstance(value, list):
            return ", ".join(data_type_label(v) for v in value)
        if key == "data_type":
            return data_type_label(value)
        if key == "event" and isinstance(value, str):
            return verb_label(value)
        if key == "dataset":
            return dataset_label(value)
        if key == "fields" and isinstance(value, list):
            return ", ".join(_field_label(model, name) for name in value)
        if key in ("before", "after") and isinstance(value, dict):
            return ", ".join(
                f"{DATA_LABELS.get(k) or _humanise(k)} {self._value(k, v, model)}"
                for k, v in value.items()
                if v not in (None, "", [])
            )
        if key in ("counts", "types") and isinstance(value, dict):
            return ", ".join(f"{data_type_label(k)} {self._plain(v)}" for k, v in value.items())
        return self._plain(value)

    def _plain(self, value) -> str:
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(self._plain(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{_humanise(str(k))} {self._plain(v)}" for k, v in value.items())
        if isinstance(value, str) and value in ("anonymise", "delete"):
            return action_label(value)
        return str(value)


def _field_label(model, name: str) -> str:
    if model is not None:
        from django.core.exceptions import FieldDoesNotExist

        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a field removed since: its name in words
            pass
    return _humanise(name).lower()


def local_time(entry, names: Names | None = None, *, fmt: str = "SHORT_DATETIME_FORMAT") -> str:
    """The entry's time in its site's time zone (the current one otherwise),
    with the zone named."""
    names = names or Names([entry])
    tz_name = names.site_timezone(entry) or timezone.get_current_timezone_name()
    moment = timezone.localtime(entry.created_at, zoneinfo.ZoneInfo(tz_name))
    return f"{date_format(moment, fmt)} ({moment.tzname()})"


def describe(entry, names: Names | None = None) -> str:
    """One entry as a sentence: "Arrivée enregistrée : Visite de Jean Martin,
    par Marie Dupont, guichet Accueil principal". Pass `names` (built from the
    page's entries) to resolve a list of entries in a few queries."""
    names = names or Names([entry])
    parts = [verb_label(entry.verb)]
    what = names.target(entry)
    text = parts[0]
    if what:
        text = _("%(action)s: %(object)s") % {"action": text, "object": what}
    extras = [_("by %(person)s") % {"person": names.actor(entry)}]
    for key, label in (("desk_id", _("desk")),):
        value = (entry.data or {}).get(key)
        if value:
            extras.append(f"{label} {names.get(names.DATA_IDS[key], value)}")
    return ", ".join([text, *extras])
