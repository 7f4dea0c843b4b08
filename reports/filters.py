"""Filters shared by every dataset, the preview, exports, schedules and dashboards.

`select(dataset_key, membership, filters, columns)` validates what a person (or a
schedule) asked for and answers a `Selection`; a bad value raises
`FilterError(field, message)`, which the API turns into a 400 naming the field.
A site of another organization and a site outside the perimeter are both errors,
never a silently empty file.

Periods are calendar days in the site's time zone: "today" at a Montréal site
starts six hours after "today" in Paris. The day bounds are computed per time
zone present among the selected sites and OR-ed, so an index on the date column
still serves the query.
"""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Q, Value
from django.db.models.functions import NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.dates import DateInputError, parse_day
from config.exports import RENDERED, get_dataset
from config.inputs import whole_id
from config.registries import consultation, filter_choices
from sites.models import Desk, Site
from sites.selectors import desks_for, sites_for
from tenancy.models import Membership

PERIODS = {
    "today": gettext_lazy("Today"),
    "last_7_days": gettext_lazy("Last 7 days"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "custom": gettext_lazy("Custom"),
    # Relative periods for schedules: the full period before the run.
    "previous_day": gettext_lazy("Previous day"),
    "previous_week": gettext_lazy("Previous week"),
    "previous_month": gettext_lazy("Previous month"),
}
RELATIVE_PERIODS = ("previous_day", "previous_week", "previous_month")


class FilterError(ValueError):
    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = str(message)


def _ids(name, value) -> list[int]:
    if value in (None, "", []):
        return []
    values = value if isinstance(value, list | tuple) else str(value).split(",")
    ids = []
    for item in values:
        if whole_id(item) is None:
            raise FilterError(name, _("Enter whole numbers (ids)."))
        ids.append(whole_id(item))
    return ids


def _date(name, value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise FilterError(name, _("Enter a date as YYYY-MM-DD."))
    try:  # 2026-13-01 is refused, and so is 9999-12-31 (a day later overflows)
        return parse_day(value)
    except DateInputError as error:
        raise FilterError(name, str(error)) from error


def period_bounds(period, today, start=None, end=None) -> tuple[datetime.date | None, datetime.date | None]:
    """Inclusive local dates of a preset, relative to `today`."""
    first = today.replace(day=1)
    previous_month_end = first - datetime.timedelta(days=1)
    if period == "today":
        return today, today
    if period == "last_7_days":
        return today - datetime.timedelta(days=6), today
    if period == "this_month":
        return first, today
    if period in ("last_month", "previous_month"):
        return previous_month_end.replace(day=1), previous_month_end
    if period == "previous_day":
        day = today - datetime.timedelta(days=1)
        return day, day
    if period == "previous_week":
        monday = today - datetime.timedelta(days=today.weekday() + 7)
        return monday, monday + datetime.timedelta(days=6)
    return start, end


def local_start(day: datetime.date, tz: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zoneinfo.ZoneInfo(tz))


@dataclass
class Selection:
    """A validated request: the dataset, the cleaned filters, the columns, and
    one condition per filter so diagnostics can relax them one at a time."""

    dataset: object
    membership: Membership
    filters: dict
    columns: list
    conditions: dict = field(default_factory=dict)
    start: datetime.date | None = None
    end: datetime.date | None = None

    @property
    def organization(self):
        return self.membership.organization

    def queryset(self, *, without: str | None = None, perimeter: bool = True):
        """The rows asked for; `without` relaxes one filter ("archive": rows past
        the consultation period too) and `perimeter=False` the perimeter, for
        diagnostics only."""
        base = (
            self.dataset.queryset(self.membership)
            if perimeter
            else self.dataset.unrestricted(self.membership)
        )
        for name, condition in self.conditions.items():
            if name != without:
                base = base.filter(condition)
        if without != "archive":
            base = within_consultation(base, self.dataset, self.organization)
        return base

    def values(self, queryset=None, *, empty_as_null=False):
        """Rows as tuples of the chosen columns, in a stable order.
        `empty_as_null`: rendered text columns give NULL for '', as PostgreSQL's
        CSV writer needs to write both as the empty field (reports.streaming)."""
        queryset = self.queryset() if queryset is None else queryset
        tz = self.dataset.tz_expression(self.organization)
        expressions = {}
        for i, column in enumerate(self.columns):
            expression = column.expression(tz)
            if empty_as_null and column.written_kind == RENDERED:
                expression = NullIf(expression, Value(""))
            expressions[f"c{i}"] = expression
        return queryset.annotate(**expressions).order_by(*self.dataset.ordering).values_list(*expressions)

    @property
    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    @property
    def kinds(self) -> list[str]:
        return [c.written_kind for c in self.columns]

    @property
    def transforms(self) -> list:
        return [c.transform for c in self.columns]


def within_consultation(queryset, dataset, organization):
    """Rows past their consultation period have left everyday screens and
    exports (retention/archive.py); compliance reads them in the archive."""
    key = getattr(dataset, "retention_type", None)
    if not key:
        return queryset
    # The retention app installs the filter; it reads the policies of the tenant
    # scope's organization, which is `organization`.
    return consultation.within(queryset, key)


def choices_of(name: str, ids=None):
    """The objects a filter's ids name (visit types), from the app that owns them
    (`config.registries.filter_choices`), only those of `ids` if given; none
    when no app registered them."""
    source = filter_choices.get(name)
    if source is None:
        return []
    objects = source.queryset()
    return objects if ids is None else objects.filter(pk__in=ids)


def organization_today(organization, tz: str | None = None) -> datetime.date:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(tz or organization.timezone)).date()


def select(dataset_key, membership, filters=None, columns=None, *, today=None) -> Selection:
    """Validate a request for rows (see the module docstring)."""
    dataset = get_dataset(str(dataset_key or ""))
    if dataset is None:
        raise FilterError("dataset", _("Unknown dataset: %(key)s.") % {"key": dataset_key})
    filters = dict(filters or {})
    if not isinstance(filters, dict):
        raise FilterError("filters", _("Filters must be an object."))
    chosen = _columns(dataset, columns)
    unknown = sorted(set(filters) - set(dataset.filters) - {"from", "to"})
    if unknown:
        raise FilterError(
            unknown[0], _("This dataset cannot be filtered by %(name)s.") % {"name": unknown[0]}
        )
    selection = Selection(dataset=dataset, membership=membership, filters={}, columns=chosen)
    perimeter_sites = sites_for(membership)
    site_ids = _ids("sites", filters.get("sites"))
    if site_ids:
        _check_sites(site_ids, membership, perimeter_sites)
        selection.filters["sites"] = site_ids
        selection.conditions["sites"] = Q(**{f"{dataset.filters['sites']}__in": site_ids})
    desk_ids = _ids("desks", filters.get("desks"))
    if desk_ids:
        known = set(desks_for(membership).filter(pk__in=desk_ids).values_list("pk", flat=True))
        for desk_id in desk_ids:
            if desk_id not in known:
                exists = Desk.objects.filter(pk=desk_id).exists()
                raise FilterError(
                    "desks",
                    _("Desk %(id)s is outside your perimeter.") % {"id": desk_id}
                    if exists
                    else _("Desk %(id)s does not exist.") % {"id": desk_id},
                )
        selection.filters["desks"] = desk_ids
        selection.conditions["desks"] = Q(**{f"{dataset.filters['desks']}__in": desk_ids})
    _apply_period(selection, filters, perimeter_sites, today)
    _apply_simple(selection, filters)
    return selection


def _columns(dataset, columns) -> list:
    if columns in (None, "", []):
        return [dataset.column(key) for key in dataset.default_columns()]
    keys = columns if isinstance(columns, list | tuple) else str(columns).split(",")
    chosen = []
    for key in keys:
        column = dataset.column(str(key))
        if column is None:
            raise FilterError("columns", _("Unknown column: %(key)s.") % {"key": key})
        if column not in chosen:
            chosen.append(column)
    return chosen


def _check_sites(site_ids, membership, perimeter_sites):
    visible = set(perimeter_sites.filter(pk__in=site_ids).values_list("pk", flat=True))
    for site_id in site_ids:
        if site_id in visible:
            continue
        # The organization's own sites answer "outside your perimeter"; another
        # organization's site is indistinguishable from one that does not exist.
        if Site.objects.filter(pk=site_id).exists():
            raise FilterError("sites", _("Site %(id)s is outside your perimeter.") % {"id": site_id})
        raise FilterError("sites", _("Site %(id)s does not exist.") % {"id": site_id})


def _apply_period(selection, filters, perimeter_sites, today):
    dataset = selection.dataset
    if "period" not in dataset.filters:
        return
    period = filters.get("period") or ""
    start, end = _date("from", filters.get("from")), _date("to", filters.get("to"))
    if period and period not in PERIODS:
        raise FilterError("period", _("Unknown period: %(p)s.") % {"p": period})
    if not period and (start or end):
        period = "custom"
    if not period:
        return
    org = selection.organization
    sites = list(perimeter_sites.filter(pk__in=selection.filters["sites"]) if "sites" in selection.filters
                 else Site.objects.all())  # fmt: skip
    zones = sorted({s.timezone for s in sites}) or [org.timezone]
    # "Today" is the day at the chosen site when there is one time zone in play.
    reference_tz = zones[0] if len(zones) == 1 else org.timezone
    today = today or organization_today(org, reference_tz)
    start, end = period_bounds(period, today, start, end)
    if start and end and start > end:
        raise FilterError("from", _("The start of the period is after its end."))
    selection.filters.update(period=period)
    if start:
        selection.filters["from"] = start.isoformat()
    if end:
        selection.filters["to"] = end.isoformat()
    selection.start, selection.end = start, end
    path = dataset.filters["period"]

    def bounded(tz):
        condition = Q()
        if start:
            condition &= Q(**{f"{path}__gte": local_start(start, tz)})
        if end:
            condition &= Q(**{f"{path}__lt": local_start(end + datetime.timedelta(days=1), tz)})
        return condition

    if dataset.tz_field and dataset.site_field:
        by_zone: dict[str, list[int]] = {}
        for site in Site.objects.all():
            by_zone.setdefault(site.timezone, []).append(site.pk)
        condition = Q(**{f"{dataset.site_field}__isnull": True}) & bounded(org.timezone)
        for tz, ids in by_zone.items():
            condition |= Q(**{f"{dataset.site_field}__in": ids}) & bounded(tz)
    else:
        condition = bounded(org.timezone)
    selection.conditions["period"] = condition


def _apply_simple(selection, filters):
    dataset = selection.dataset
    type_ids = _ids("visit_types", filters.get("visit_types"))
    if type_ids and "visit_types" in dataset.filters:
        known = {obj.pk for obj in choices_of("visit_types", type_ids)}
        missing = [t for t in type_ids if t not in known]
        if missing:
            raise FilterError("visit_types", _("Visit type %(id)s does not exist.") % {"id": missing[0]})
        selection.filters["visit_types"] = type_ids
        selection.conditions["visit_types"] = Q(**{f"{dataset.filters['visit_types']}__in": type_ids})
    statuses = filters.get("statuses")
    if statuses and "statuses" in dataset.filters:
        statuses = statuses if isinstance(statuses, list | tuple) else str(statuses).split(",")
        allowed = getattr(dataset, "status_choices", {})
        for status in statuses:
            if status not in allowed:
                raise FilterError("statuses", _("Unknown status: %(s)s.") % {"s": status})
        selection.filters["statuses"] = list(statuses)
        selection.conditions["statuses"] = Q(**{f"{dataset.filters['statuses']}__in": list(statuses)})
    host = filters.get("host")
    if host not in (None, "", []) and "host" in dataset.filters:
        host_id = _ids("host", host if isinstance(host, list) else [host])[0]
        if not Membership.objects.filter(pk=host_id).exists():
            raise FilterError("host", _("Host %(id)s does not exist.") % {"id": host_id})
        selection.filters["host"] = host_id
        selection.conditions["host"] = Q(**{dataset.filters["host"]: host_id})
