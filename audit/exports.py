"""The export dataset of the activity journal (registered at import; the reports
app imports this module in its `ready()`)."""

from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from audit.models import JournalEntry
from config.exports import DATETIME, NUMBER, Column, Dataset, perimeter
from config.registries import export_datasets


class JournalDataset(Dataset):
    """The activity journal ("exportez le journal d'activité"): ids, not names."""

    key = "journal"
    order = 30
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
        return perimeter(JournalEntry.objects.all(), membership)


export_datasets.register(JournalDataset())
