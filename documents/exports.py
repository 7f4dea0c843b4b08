"""The export datasets of signed consents and of the documents index (registered
at import; the reports app imports this module in its `ready()`)."""

from django.utils.translation import gettext_lazy as _

from config.exports import DATETIME, LABEL, NUMBER, Column, Dataset, localized, perimeter, visitor_columns
from config.registries import export_datasets
from documents.models import Attachment, AttachmentKind, SignedConsent, SigningChannel


class ConsentsDataset(Dataset):
    key = "consents"
    order = 40
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
        Column("text", _("Text"), localized("version__title")),
        Column("version", _("Version"), "version__number", kind=NUMBER),
        Column("language", _("Language"), "language"),
        Column("channel", _("Signed at"), "channel", kind=LABEL, choices=dict(SigningChannel.choices)),
        Column("text_sha256", _("Text SHA-256"), "text_sha256", default=False),
        Column("anonymised_at", _("Anonymised at"), "anonymised_at", kind=DATETIME, default=False),
    ]

    def queryset(self, membership):
        return perimeter(SignedConsent.objects.all(), membership)


class DocumentsDataset(Dataset):
    key = "documents"
    order = 50
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
        *visitor_columns("visitor__"),
        Column("kind", _("Kind"), "kind", kind=LABEL, choices=dict(AttachmentKind.choices)),
        Column("file_name", _("File name"), "original_name"),
        Column("content_type", _("Content type"), "content_type", default=False),
        Column("size", _("Size (bytes)"), "size", kind=NUMBER),
        Column("sha256", _("SHA-256"), "sha256", default=False),
        Column("purged_at", _("File removed at"), "purged_at", kind=DATETIME, default=False),
    ]

    def queryset(self, membership):
        return perimeter(Attachment.objects.all(), membership)


export_datasets.register(ConsentsDataset())
export_datasets.register(DocumentsDataset())
