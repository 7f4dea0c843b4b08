"""The export datasets: visits, visitors, the activity journal, signed consents,
the documents index, badge prints and the e-mail/SMS send log.

Each is one class registered in `config.registries.export_datasets` (by
`ReportsConfig.ready()`). The reporting app may read the domain apps; they never
import it. A new dataset is one more class here or in its own app.
"""

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from audit.models import JournalEntry
from config import translated
from config.exports import DATETIME, LABEL, NUMBER, PHONE, Column, Dataset
from tenancy.models import Role
from visitors.models import Visit, Visitor, VisitStatus


def _localized(path: str):
    """A translated attribute in the export's language (else LANGUAGE_CODE)."""
    return translated.localized(path)


def _perimeter(queryset, membership, site_field="site_id"):
    if membership.sees_all_sites:
        return queryset
    return queryset.filter(**{f"{site_field}__in": membership.site_ids})


def _visitor_columns(prefix: str, *, default=True) -> list[Column]:
    return [
        Column("visitor_first_name", _("Visitor first name"), f"{prefix}first_name", default=default),
        Column("visitor_last_name", _("Visitor last name"), f"{prefix}last_name", default=default),
        Column("visitor_company", _("Company"), f"{prefix}company", default=default),
    ]


class VisitsDataset(Dataset):
    key = "visits"
    retention_type = "visits"
    label = _("Visits")
    noun = _("visits")
    model = Visit
    date_field = "expected_at"
    filters = {
        "sites": "site_id",
        "desks": "desk_id",
        "period": "expected_at",
        "visit_types": "visit_type_id",
        "statuses": "status",
        "host": "host_id",
    }
    status_choices = dict(VisitStatus.choices)
    columns = [
        Column("id", _("Visit id"), "pk", kind=NUMBER),
        Column("site", _("Site"), "site__name"),
        Column("desk", _("Desk"), "desk__name"),
        *_visitor_columns("visitor__"),
        Column("visitor_email", _("Visitor e-mail"), "visitor__email", default=False),
        Column("visitor_phone", _("Visitor phone"), "visitor__phone", kind=PHONE, default=False),
        Column("host", _("Host"), "host__user__full_name"),
        Column("visit_type", _("Visit type"), _localized("visit_type__name")),
        Column("status", _("Status"), "status", kind=LABEL, choices=dict(VisitStatus.choices)),
        Column("expected_at", _("Expected at"), "expected_at", kind=DATETIME),
        Column("expected_until", _("Expected until"), "expected_until", kind=DATETIME),
        Column("arrived_at", _("Arrived at"), "arrived_at", kind=DATETIME),
        Column("arrived_desk", _("Arrival desk"), "arrived_desk__name", default=False),
        Column("departed_at", _("Departed at"), "departed_at", kind=DATETIME),
        Column("departure_automatic", _("Automatic departure"), "departure_automatic", default=False),
        Column("badge_number", _("Badge number"), "badge_number", kind=NUMBER, default=False),
        Column("cancellation_reason", _("Cancellation reason"), "cancellation_reason", default=False),
        Column("notes", _("Notes"), "notes", default=False),
        Column("created_at", _("Pre-registered at"), "created_at", kind=DATETIME, default=False),
    ]

    def queryset(self, membership):
        visits = Visit.objects.all()
        if membership.sees_all_sites:
            return visits
        if membership.role == Role.HOST:
            return visits.filter(host=membership)
        return visits.filter(site_id__in=membership.site_ids)


class VisitorsDataset(Dataset):
    """People; the site filter keeps those with a visit at the chosen sites."""

    key = "visitors"
    retention_type = "visitor_identities"
    label = _("Visitors")
    noun = _("visitors")
    model = Visitor
    date_field = "created_at"
    tz_field = None
    site_field = None
    filters = {"period": "created_at"}
    columns = [
        Column("id", _("Visitor id"), "pk", kind=NUMBER),
        Column("first_name", _("First name"), "first_name"),
        Column("last_name", _("Last name"), "last_name"),
        Column("company", _("Company"), "company"),
        Column("email", _("E-mail"), "email"),
        Column("phone", _("Phone"), "phone", kind=PHONE),
        Column("language", _("Language"), "language", default=False),
        Column("created_at", _("Created at"), "created_at", kind=DATETIME),
        Column("anonymized_at", _("Anonymised at"), "anonymized_at", kind=DATETIME, default=False),
    ]

    def queryset(self, membership):
        if membership.sees_all_sites:
            return Visitor.objects.all()
        seen = Visit.objects.filter(site_id__in=membership.site_ids).values("visitor_id")
        return Visitor.objects.filter(pk__in=seen)


class JournalDataset(Dataset):
    """The activity journal ("exportez le journal d'activité"): ids, not names."""

    key = "journal"
    retention_type = "journal"
    label = _("Activity journal")
    noun = _("journal entries")
    model = JournalEntry
    tz_field = None
    filters = {"sites": "site_id", "period": "created_at"}
    ordering = ("seq",)
    columns = [
        Column("seq", _("Sequence"), "seq", kind=NUMBER),
        Column("created_at", _("Time"), "created_at", kind=DATETIME),
        Column("verb", _("Action"), "verb"),
        Column("actor_kind", _("Actor type"), "actor_kind"),
        Column("actor_id", _("Actor id"), "actor_id", kind=NUMBER),
        Column("token_id", _("API token id"), "token_id", kind=NUMBER, default=False),
        Column("target_type", _("Object type"), "target_type"),
        Column("target_id", _("Object id"), "target_id"),
        Column("site_id", _("Site id"), "site_id", kind=NUMBER),
        Column("data", _("Details"), Cast("data", TextField())),
        Column("ip", _("IP address"), Cast("ip", TextField())),
        Column("hash", _("Hash"), "hash", default=False),
        Column("prev_hash", _("Previous hash"), "prev_hash", default=False),
    ]

    def queryset(self, membership):
        return _perimeter(JournalEntry.objects.all(), membership)


def _documents_datasets():
    from documents.models import Attachment, AttachmentKind, SignedConsent, SigningChannel

    class ConsentsDataset(Dataset):
        key = "consents"
        retention_type = "consents"
        label = _("Signed consents")
        noun = _("signed consents")
        model = SignedConsent
        date_field = "signed_at"
        filters = {
            "sites": "site_id",
            "period": "signed_at",
            "visit_types": "visit__visit_type_id",
            "host": "visit__host_id",
        }
        columns = [
            Column("id", _("Consent id"), "pk", kind=NUMBER),
            Column("signed_at", _("Signed on"), "signed_at", kind=DATETIME),
            Column("site", _("Site"), "site__name"),
            Column("visit_id", _("Visit id"), "visit_id", kind=NUMBER),
            Column("signer_name", _("Signer's name"), "signer_name"),
            Column("text", _("Text"), _localized("version__title")),
            Column("version", _("Version"), "version__number", kind=NUMBER),
            Column("language", _("Language"), "language"),
            Column("channel", _("Signed at"), "channel", kind=LABEL, choices=dict(SigningChannel.choices)),
            Column("text_sha256", _("Text SHA-256"), "text_sha256", default=False),
            Column("anonymised_at", _("Anonymised at"), "anonymised_at", kind=DATETIME, default=False),
        ]

        def queryset(self, membership):
            return _perimeter(SignedConsent.objects.all(), membership)

    class DocumentsDataset(Dataset):
        key = "documents"
        retention_type = "documents"
        label = _("Documents index")
        noun = _("documents")
        model = Attachment
        date_field = "uploaded_at"
        filters = {
            "sites": "site_id",
            "period": "uploaded_at",
            "visit_types": "visit__visit_type_id",
            "host": "visit__host_id",
        }
        columns = [
            Column("id", _("Document id"), "pk", kind=NUMBER),
            Column("uploaded_at", _("Uploaded at"), "uploaded_at", kind=DATETIME),
            Column("site", _("Site"), "site__name"),
            Column("visit_id", _("Visit id"), "visit_id", kind=NUMBER),
            *_visitor_columns("visitor__"),
            Column("kind", _("Kind"), "kind", kind=LABEL, choices=dict(AttachmentKind.choices)),
            Column("file_name", _("File name"), "original_name"),
            Column("content_type", _("Content type"), "content_type", default=False),
            Column("size", _("Size (bytes)"), "size", kind=NUMBER),
            Column("sha256", _("SHA-256"), "sha256", default=False),
            Column("purged_at", _("File removed at"), "purged_at", kind=DATETIME, default=False),
        ]

        def queryset(self, membership):
            return _perimeter(Attachment.objects.all(), membership)

    return [ConsentsDataset(), DocumentsDataset()]


def _badges_datasets():
    from badges.models import BadgePrint

    class BadgePrintsDataset(Dataset):
        key = "badge_prints"
        label = _("Badge prints")
        noun = _("badge prints")
        model = BadgePrint
        date_field = "printed_at"
        filters = {
            "sites": "site_id",
            "desks": "desk_id",
            "period": "printed_at",
            "visit_types": "visit__visit_type_id",
            "host": "visit__host_id",
        }
        columns = [
            Column("id", _("Print id"), "pk", kind=NUMBER),
            Column("printed_at", _("Printed at"), "printed_at", kind=DATETIME),
            Column("site", _("Site"), "site__name"),
            Column("desk", _("Desk"), "desk__name"),
            Column("visit_id", _("Visit id"), "visit_id", kind=NUMBER),
            *_visitor_columns("visit__visitor__"),
            Column("template", _("Badge template"), "template_version__template__name"),
            Column("template_version", _("Template version"), "template_version__number", kind=NUMBER),
            Column("badge_number", _("Badge number"), "badge_number", kind=NUMBER),
            Column("reprint_reason", _("Reprint reason"), "reprint_reason"),
            Column("printed_by", _("Printed by"), "printed_by__full_name", default=False),
        ]

        def queryset(self, membership):
            return _perimeter(BadgePrint.objects.all(), membership)

    return [BadgePrintsDataset()]


def _notifications_datasets():
    from notifications.models import Channel, Message, RecipientKind, Status
    from notifications.phones import mask

    def masked(recipient):
        # As the notifications app masks it in its own views: recognisable, not harvestable.
        return mask("email" if "@" in recipient else "sms", recipient)

    class SendLogDataset(Dataset):
        # "send_log" is taken in the registry by the notifications app's own
        # object, which does not follow config.exports.Dataset.
        key = "messages"
        retention_type = "send_log"
        label = _("E-mail/SMS send log")
        noun = _("messages")
        model = Message
        filters = {"sites": "site_id", "period": "created_at", "statuses": "status"}
        status_choices = dict(Status.choices)
        columns = [
            Column("id", _("Message id"), "pk", kind=NUMBER),
            Column("created_at", _("Created"), "created_at", kind=DATETIME),
            Column("channel", _("Channel"), "channel", kind=LABEL, choices=dict(Channel.choices)),
            Column("event", _("Event"), "event"),
            Column("site", _("Site"), "site__name"),
            Column("visit_id", _("Visit id"), "visit_id", kind=NUMBER),
            Column(
                "recipient_kind",
                _("Recipient type"),
                "recipient_kind",
                kind=LABEL,
                choices=dict(RecipientKind.choices),
            ),
            Column("recipient", _("Recipient (masked)"), "recipient", transform=masked),
            Column("status", _("Status"), "status", kind=LABEL, choices=dict(Status.choices)),
            Column("attempts", _("Attempts"), "attempts", kind=NUMBER),
            Column("sent_at", _("Sent"), "sent_at", kind=DATETIME),
            Column("delivered_at", _("Delivered"), "delivered_at", kind=DATETIME, default=False),
            Column("failed_at", _("Failed"), "failed_at", kind=DATETIME, default=False),
            Column("last_error", _("Last error"), "last_error"),
            Column("provider_id", _("Provider message id"), "provider_id", default=False),
        ]

        def queryset(self, membership):
            # Messages with no site (a list member's digest) follow the organization.
            if membership.sees_all_sites:
                return Message.objects.all()
            return Message.objects.filter(Q(site_id__in=membership.site_ids))

    return [SendLogDataset()]


def register_all() -> None:
    from django.apps import apps

    from config.registries import export_datasets

    found = [VisitsDataset(), VisitorsDataset(), JournalDataset()]
    for app, factory in (
        ("documents", _documents_datasets),
        ("badges", _badges_datasets),
        ("notifications", _notifications_datasets),
    ):
        if apps.is_installed(app):
            found.extend(factory())
    for dataset in found:
        export_datasets.register(dataset)
