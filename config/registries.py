"""Registries through which the lifecycle apps (reports, retention, backups) reach
into the domain apps, so that daily-work apps never import them.

A domain app registers its kinds in its `AppConfig.ready()`:

    from config.registries import retention_types
    retention_types.register(AttachmentRetention())

Adding a kind is adding one class; the lifecycle app iterates the registry.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field


class Registry:
    def __init__(self, name: str):
        self.name = name
        self._items: dict[str, object] = {}

    def register(self, item):
        key = item.key
        if key in self._items and type(self._items[key]) is not type(item):
            raise ValueError(f"{self.name}: {key!r} is registered twice")
        self._items[key] = item
        return item

    def get(self, key: str):
        return self._items.get(key)

    def __getitem__(self, key: str):
        return self._items[key]

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator:
        return iter(self._items.values())

    def keys(self) -> list[str]:
        return list(self._items)


@dataclass
class PurgeResult:
    """What one anonymise/delete call did, for the purge run's proof."""

    rows_anonymised: int = 0
    rows_deleted: int = 0
    objects_deleted: int = 0
    object_failures: list[str] = field(default_factory=list)  # storage keys that could not be removed


# Fields the domain apps use to mark a row as anonymised, by convention.
ANONYMISED_MARKERS = ("anonymised_at", "anonymized_at", "purged_at")


class RetentionType:
    """One data type under a retention policy (visits, documents, send log, ...).

    Called inside the organization's tenant scope, in small transactions:
    - `key`, `label`: identity and display name.
    - `timestamp_field`: the field compared with the cut-off date.
    - `queryset()`: every row of this type in the scope.
    - `anonymise(ids) -> PurgeResult`: blank personal fields, drop files, check gone.
    - `delete(ids) -> PurgeResult`: delete rows and their storage objects, check gone.
    - `site_field`: path to the site id for per-site policies and legal holds.
    - `pending()`, `expired(cutoff, action)`: what a purge still has to do
      (overridable; the defaults use `anonymised_field` or a conventional marker).
    - `archive_link(row)`: the URL of the row's file, for the archive view.
    """

    key = ""
    label = ""
    timestamp_field = "created_at"
    site_field: str | None = None
    # Optional, used by the retention app when present (defaults keep older
    # subclasses working): the path to the visitor id, for legal holds and
    # data-subject requests; the defaults of a new organization's policy; the
    # actions a policy may choose; a field set once a row has been anonymised.
    visitor_field: str | None = None
    default_consultation_days = 90
    default_retention_days = 90
    default_action = "anonymise"

    actions: tuple[str, ...] = ("anonymise", "delete")
    anonymised_field: str | None = None

    def queryset(self):
        raise NotImplementedError

    def pending(self):
        """Rows not anonymised yet (anonymised rows stay, and must not be touched
        again by every nightly run)."""
        rows = self.queryset()
        names = {f.name for f in rows.model._meta.get_fields()}
        marker = self.anonymised_field or next((f for f in ANONYMISED_MARKERS if f in names), None)
        if marker:
            rows = rows.filter(**{f"{marker}__isnull": True})
        return rows

    def expired(self, cutoff, action: str = "anonymise"):
        """Rows older than the cut-off that `action` still has to process: an
        anonymised row may still have to be deleted, never anonymised again."""
        rows = self.pending() if action == "anonymise" else self.queryset()
        return rows.filter(**{f"{self.timestamp_field}__lt": cutoff})

    def anonymise(self, ids) -> PurgeResult:
        raise NotImplementedError

    def delete(self, ids) -> PurgeResult:
        raise NotImplementedError

    def archive_link(self, row) -> str | None:
        """Where compliance opens a row's file from the archive (None: no file)."""
        return None


retention_types = Registry("retention types")
export_datasets = Registry("export datasets")
restore_scopes = Registry("restore scopes")


class Consultation:
    """Data past its consultation period leaves daily screens, search and API
    lists for every role (README, "Retention defaults"); compliance reads it
    only in the retention archive, after stating a reason that is journaled.
    Compliance's own daily screens hide it too: otherwise the stated reason
    would guard nothing, and exports already hide it for every role.

    The retention app installs the filter in its `ready()`, so daily-work apps
    apply it without importing retention:

        visits = consultation.within(visits, "visits")

    It reads the policies of the type (one query) inside the tenant scope;
    without the retention app every row passes.

    `archive_open(membership, data_type)` says whether the member has opened
    the archive of that type (compliance, a stated reason, for an hour): a
    file of an archived row, listed there, is then theirs to download."""

    def __init__(self):
        self._within = None
        self._archive_open = None

    def install(self, within, archive_open=None) -> None:
        self._within = within
        self._archive_open = archive_open

    def within(self, queryset, data_type: str):
        return queryset if self._within is None else self._within(queryset, data_type)

    def archive_open(self, membership, data_type: str) -> bool:
        return self._archive_open is not None and self._archive_open(membership, data_type)


consultation = Consultation()


@dataclass
class Attention:
    """One line of the home summary of admins and compliance: what needs them."""

    label: str  # translated, the count in words ("2 visits wait for approval")
    url: str
    count: int = 0
    alert: bool = False  # something failed, or waits


class HomeSummary:
    """What an app has that needs an admin's or a compliance officer's eyes (the
    visits waiting for approval, failed sends, purge runs, restore drills).
    `items(membership)` runs inside the request's tenant scope."""

    key = ""
    order = 50

    def items(self, membership) -> list[Attention]:
        raise NotImplementedError


home_summaries = Registry("home summaries")


@dataclass
class FigureTable:
    """One table of the reports dashboard: a translated title, column headers
    and rows of cells."""

    title: str
    headers: list
    rows: list


class DashboardFigures:
    """What an app shows on the reports dashboard, computed over the rows of one
    of its export datasets (`dataset`, a key of `export_datasets`) selected with
    the dashboard's filters that dataset accepts, so the dashboard and the CSV of
    the same filters agree. Runs in the request's tenant scope and language.

    - `figures(queryset, days)`: named figures the dashboard page shows (the
      visits' total, per-day and per-hour series, average stay, top hosts);
      `days` are the period's local days.
    - `tables(queryset)`: `FigureTable`s shown after them, by `order`.
    """

    key = ""
    dataset = ""
    order = 50

    def figures(self, queryset, *, days) -> dict:
        return {}

    def tables(self, queryset) -> list[FigureTable]:
        return []


dashboard_figures = Registry("dashboard figures")


class FilterChoices:
    """The objects a report filter's ids name (`key` a name of
    `config.exports.FILTER_NAMES`, e.g. "visit_types"): the app that owns them
    says where they are. `queryset()` runs in the tenant scope; each object has
    a `name` (in the active language)."""

    key = ""

    def queryset(self):
        raise NotImplementedError


filter_choices = Registry("report filter choices")
