"""The export dataset of badge prints and the dashboard's badges by template
(registered at import; the reports app imports this module in its `ready()`)."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from badges.models import BadgePrint
from config.exports import DATETIME, NUMBER, Column, Dataset, perimeter, visitor_columns
from config.registries import DashboardFigures, FigureTable, dashboard_figures, export_datasets


class BadgePrintsDataset(Dataset):
    key = "badge_prints"
    order = 60
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
        *visitor_columns("visit__visitor__"),
        Column("template", _("Badge template"), "template_version__template__name"),
        Column("template_version", _("Template version"), "template_version__number", kind=NUMBER),
        Column("badge_number", _("Badge number"), "badge_number", kind=NUMBER),
        Column("reprint_reason", _("Reprint reason"), "reprint_reason"),
        Column("printed_by", _("Printed by"), "printed_by__full_name", default=False),
    ]

    def queryset(self, membership):
        return perimeter(BadgePrint.objects.all(), membership)


class BadgeFigures(DashboardFigures):
    key = "badges_by_template"
    dataset = "badge_prints"
    order = 60

    def tables(self, queryset) -> list[FigureTable]:
        rows = list(
            queryset.order_by()
            .values_list("template_version__template__name")
            .annotate(n=Count("pk"))
            .order_by("-n")
        )
        return [
            FigureTable(_("Badges printed by template"), [_("Badge template"), _("Badges printed")], rows)
        ]


export_datasets.register(BadgePrintsDataset())
dashboard_figures.register(BadgeFigures())
