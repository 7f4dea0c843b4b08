"""The shape of an export dataset, importable by any app without importing the
reporting app (daily-work apps never import `reports`).

A dataset is one class registered in `config.registries.export_datasets`:

    class VisitsDataset(Dataset):
        key = "visits"
        label = _("Visits")
        model = Visit
        date_field = "expected_at"
        tz_field = "site__timezone"
        filters = {"sites": "site_id", "desks": "desk_id", "period": "expected_at", ...}
        columns = [Column("id", _("Id"), "pk"), Column("arrived_at", _("Arrived at"), "arrived_at",
                   kind=DATETIME), ...]

        def queryset(self, membership):      # the organization, narrowed to the perimeter
            ...

The reporting app applies the filters, picks the columns, writes the CSV; the
dataset only says where its rows are and what they are called.

The app that owns the rows defines its datasets in `APP/exports.py` and registers
them there, at import (`export_datasets.register(VisitsDataset())`); the reports
app imports every installed app's `exports` module in its `ready()`
(`autodiscover_modules`). `order` places a dataset in the lists users see.
"""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, F, Func, TextField, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from config import translated
from config.registries import export_datasets

TEXT, DATETIME, PHONE, NUMBER, LABEL = "text", "datetime", "phone", "number", "label"
# What a column becomes once the database has rendered it: safe text that the
# CSV writer passes through untouched.
RENDERED = "rendered"

# The filter names a dataset may support, mapped by the dataset to a field path.
FILTER_NAMES = ("sites", "desks", "period", "visit_types", "statuses", "host")


@dataclass(frozen=True)
class Column:
    """One CSV column.

    - `key`: stable identifier used by the API and schedules.
    - `label`: lazily translated header (the export's language decides).
    - `path`: ORM path (or expression, or a callable giving one when the export
      runs, for names that depend on the language) of the value.
    - `kind`: TEXT, DATETIME (ISO 8601 with the site's offset), PHONE (written
      without a leading "+"), NUMBER, LABEL (a choice value shown with its
      translated label through `choices`).
    - `default`: ticked in the column chooser.
    - `transform`: optional callable applied by the writer to each non-empty
      value, for the rare column the database cannot render (masking).

    `expression()` renders the value in SQL: dates in the row's time zone,
    labels, phone numbers, and the formula-injection prefix of reports.csvwriter,
    so a million rows reach Python as final text (see the writer's docstring).
    """

    key: str
    label: object
    path: object
    kind: str = TEXT
    default: bool = True
    choices: dict = field(default_factory=dict)
    transform: object = None

    def expression(self, tz_expression):
        path = self.path() if callable(self.path) else self.path
        target = F(path) if isinstance(path, str) else path
        if self.kind == NUMBER:
            return target
        if self.transform is not None:
            return Cast(target, TextField())  # the writer transforms and neutralises it
        if self.kind == DATETIME:
            return Iso8601(target, tz_expression)
        if self.kind == LABEL and self.choices:
            # Labels resolved by the database, in the language active now.
            whens = [When(**{path: value}, then=Value(str(label))) for value, label in self.choices.items()]
            target = Case(*whens, default=target, output_field=CharField())
        elif self.kind == PHONE:
            target = PhoneText(target)
        return Neutralised(Cast(target, TextField()))

    @property
    def written_kind(self) -> str:
        """The kind the CSV writer sees once the database has done its part."""
        if self.transform is not None:
            return TEXT
        return NUMBER if self.kind == NUMBER else RENDERED


class Iso8601(Func):
    """`vestibule_iso8601(ts, tz)`: ISO 8601 text with the offset of `tz` at that
    instant, e.g. 2026-03-02T09:15:00+01:00 (SQL function created by the reports
    migration 0002; inlined by PostgreSQL, so it costs what `to_char` costs)."""

    function = "vestibule_iso8601"
    output_field = CharField()


class PhoneText(Func):
    """`vestibule_phone(text)`: +33612345678 → (+33) 6 12 34 56 78, the SQL twin
    of reports.csvwriter.format_phone (a test keeps them in step)."""

    function = "vestibule_phone"
    output_field = CharField()


class Neutralised(Func):
    """The writer's formula-injection rule in SQL: a leading ' before = + - @
    tab CR LF (reports.csvwriter.neutralise; a test keeps them in step)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # The value appears three times, and so do its parameters.
        case = (
            f"CASE WHEN left({sql}, 1) IN ('=', '+', '-', '@', chr(9), chr(13), chr(10)) "
            f"THEN '''' || {sql} ELSE {sql} END"
        )
        return case, (*params, *params, *params)


class Dataset:
    """Base class of an export dataset (see the module docstring).

    `filters` maps each supported filter name (FILTER_NAMES) to a field path;
    `date_field` is the timestamp the period applies to; `tz_field` the path to
    the IANA time zone of the row's site (None: the organization's).
    `noun` is the plural used in diagnostics ("412 visits ...").
    """

    key = ""
    label = ""
    noun = ""
    model = None
    date_field = "created_at"
    tz_field: str | None = "site__timezone"
    site_field: str | None = "site_id"
    filters: dict[str, str] = {}
    columns: list[Column] = []
    ordering: tuple[str, ...] = ("pk",)
    # Where the dataset appears in the lists users see (smallest first).
    order = 50
    # The retention data type whose consultation period bounds what is exported.
    retention_type: str | None = None

    def queryset(self, membership):
        """Every row of the organization the membership may see (its perimeter)."""
        return self.model.objects.all()

    def unrestricted(self, membership):
        """Every row of the organization, ignoring the perimeter; used only to
        count what the perimeter hides (diagnostics), never to export."""
        return self.model.objects.all()

    def tz_expression(self, organization):
        if self.tz_field:
            return F(self.tz_field)
        return Value(organization.timezone)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    def default_columns(self) -> list[str]:
        return [c.key for c in self.columns if c.default]


def datasets() -> list[Dataset]:
    """The registered datasets that follow this interface, by `order` (then in
    registration order)."""
    return sorted((item for item in export_datasets if isinstance(item, Dataset)), key=lambda d: d.order)


def get_dataset(key: str) -> Dataset | None:
    item = export_datasets.get(key)
    return item if isinstance(item, Dataset) else None


# Helpers shared by the datasets of several apps.


def localized(path: str):
    """A translated attribute (config/translated.py) in the export's language, else
    in settings.LANGUAGE_CODE (a callable, see Column): `localized("visit_type__name")`."""
    return translated.localized(path)


def perimeter(queryset, membership, site_field="site_id"):
    """The rows of the member's sites (all of them for a member without a perimeter)."""
    if membership.sees_all_sites:
        return queryset
    return queryset.filter(**{f"{site_field}__in": membership.site_ids})


def visitor_columns(prefix: str, *, default=True) -> list[Column]:
    """The visitor's name and company, reached through `prefix` (e.g. "visitor__")."""
    return [
        Column("visitor_first_name", _("Visitor first name"), f"{prefix}first_name", default=default),
        Column("visitor_last_name", _("Visitor last name"), f"{prefix}last_name", default=default),
        Column("visitor_company", _("Company"), f"{prefix}company", default=default),
    ]
