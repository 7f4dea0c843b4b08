"""The journal's words: one registry of what each event (verb) is called, and
the labels of data keys, data types, datasets and retention actions.

A new verb gets its label here, in `VERBS`, next to the others: the journal,
the send log, the visit page's history and the journal filter all read it. A
verb without a label still reads as words (its parts humanised), never as a
code.

    from audit.labels import verb_label
    verb_label("visit.arrived")  # "Arrivée enregistrée"

People and objects are named by `audit.names` (`Names`, `name_of`); entries
told as sentences by `audit.sentences` (`describe`, `history`).
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy

from config.registries import export_datasets, retention_types

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
    "support.access_refused": gettext_lazy("Support access refused"),
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
    kind = retention_types.get(key)
    return str(kind.label) if kind is not None and kind.label else _humanise(key)


def dataset_label(key) -> str:
    if not key:
        return ""
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


def _is_french() -> bool:
    return (get_language() or "fr").startswith("fr")


# Quotation marks of each language; English's for the others.
_QUOTES = {"fr": ("«\u202f", "\u202f»"), "de": ("„", "“")}


def quoted(text: str) -> str:
    """`text` between the quotation marks of the active language."""
    opening, closing = _QUOTES.get((get_language() or "fr")[:2], ("“", "”"))
    return f"{opening}{text}{closing}"
