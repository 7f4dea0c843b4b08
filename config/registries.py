"""Registries through which the lifecycle apps (reports, retention, backups) reach
into the domain apps, so that daily-work apps never import them, and the
lifecycle apps import no domain app.

A domain app registers its kinds in its own modules, which the lifecycle apps
import at start-up (`autodiscover_modules`): `APP/exports.py` (reports),
`APP/retention.py` and `APP/subjects.py` (retention), `APP/restore.py` (backups);
other kinds (home summaries, visit page sections) in its `AppConfig.ready()`:

    from config.registries import home_summaries
    home_summaries.register(FailedSends())

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


class OrderedRegistry(Registry):
    """A registry iterated by the items' `order`, whichever app registered first."""

    def __iter__(self) -> Iterator:
        return iter(sorted(self._items.values(), key=lambda item: item.order))

    def keys(self) -> list[str]:
        return [item.key for item in self]


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
    - `order`: where the type comes in lists (forms, a data-subject request's
      data found); the journal last.

    Optional, used by the retention app when present:
    - `cascades`: (type key, field) pairs: rows of other types that hold the
      person's data about a row of this one, purged with it.
    - `consultation_q(cutoff)`, `hold_q(hold)`: what "in consultation" and
      "under this legal hold" mean when a timestamp and a site do not say it.
    - `purge_batch(progress, held, size, record) -> bool`: a type the purge
      cannot batch by ids (the journal, a chain): it removes the next batch
      itself, calls `record(progress, batch, touched, result, using=...)` for
      the proof in its own transaction, and says when it is done.
    - `subject_folder`, `subject_files(rows)`, `read_subject_file(key)`: a
      data-subject export's folder name, the (file name, storage key) of the
      files of the exported rows, and a file's bytes (None when it is missing).
    """

    key = ""
    label = ""
    order = 80
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


retention_types = OrderedRegistry("retention types")
export_datasets = Registry("export datasets")


@dataclass(frozen=True)
class RestoreTable:
    """One table of a restore part, by model label ("app.Model").

    - `where`: the SQL condition that puts a row in a scope, over the table's own
      columns, with the bound parameters %(org)s, %(sites)s, %(start)s, %(end)s
      (the backups app adds `organization_id = %(org)s` itself).
    - `label`: the words for the table in previews, e-mails and closing reports.
    - `files`: columns holding storage keys whose objects come back from the
      backup archive with a re-created row (before the rows, outside the transaction).
    - `erased_as`: the erasure-ledger data types whose ids are rows of this table:
      such rows stay erased (not re-created, not reverted), and the ledger's
      erasures are replayed through those retention types after the apply.
    - `read_only`: compared and reported, never rewritten (the journal).
    """

    model: str
    where: str
    label: object = ""
    files: tuple[str, ...] = ()
    erased_as: tuple[str, ...] = ()
    read_only: bool = False


class RestorePart:
    """What a domain app brings back in a scoped restore (organization, sites,
    period, data types). Registered from `APP/restore.py`, which the backups app
    imports at start-up (`autodiscover_modules("restore")`):

        restore_parts.register(VisitsRestore())

    - `key`: unique name of the part; `data_type`: the restore ticket's data type
      it belongs to (several apps may serve one data type, e.g. "settings").
    - `order`: parts are restored in this order (parents first), and so are
      their `tables` within a part.
    - `reads`: other models that the `where` conditions read; their tables are
      restored into the temporary copy too.
    - `known_ids(ids)`: for the part that owns the ids a ticket names (visits).
    - `after_apply(scope)`: work started once the scope is back (missing
      scheduled exports); returns counts for the result, by name.
    """

    key = ""
    data_type = ""
    order = 50
    tables: tuple[RestoreTable, ...] = ()
    reads: tuple[str, ...] = ()

    def known_ids(self, ids) -> set[int]:
        return set()

    def after_apply(self, scope: dict) -> dict[str, int]:
        return {}


class RestoreCheck:
    """A check run after a restore, in the order of `order`:
    `after_apply(organization_id)` in the live database after a scoped restore,
    `after_drill()` inside a restored copy (every organization); either returns
    (ok, detail) or None when it does not apply. `label`: the words for `key`."""

    key = ""
    label: object = ""
    order = 50

    def after_apply(self, organization_id) -> tuple[bool, str] | None:
        return None

    def after_drill(self) -> tuple[bool, str] | None:
        return None


class JourneyFailed(Exception):
    """A step of the restore drill's end-to-end journey failed; the message says how."""


class JourneyStep:
    """One step of the restore drill's end-to-end journey, in the order of
    `order`, inside a restored copy: `run(state)` does its part with what the
    earlier steps left in `state` (organization, admin, site, desk, marker, ...),
    adds what it made, and returns one line for the report or raises
    JourneyFailed."""

    key = ""
    order = 50

    def run(self, state: dict) -> str:
        raise NotImplementedError


class ErasureLedger:
    """The app that keeps the erasure ledger installs how to read it (records
    with `data_type`, `action`, `ids`, `created_at`) and how one record is
    applied again (`replay(record) -> rows erased again`, None for a data type
    it does not know), so that backups replays it without importing that app;
    without it nothing was ever erased."""

    def __init__(self):
        self._since = None
        self._replay = None

    def install(self, since, replay) -> None:
        self._since, self._replay = since, replay

    def since(self, organization_id, moment) -> list:
        return [] if self._since is None else list(self._since(organization_id, moment))

    def replay(self, record: dict) -> int | None:
        return None if self._replay is None else self._replay(record)


# Rows of a settings model without any natural key are numbered in creation order.
ORDINAL = "#"


@dataclass(frozen=True)
class CapturedSettings:
    """A settings model in an organization's configuration capture (backups'
    `configuration.json`, imported into another organization or back after a
    restore): rows refer to each other by `natural_key` fields (ORDINAL: by
    creation order), never by ids; `deferred` fields point forward and are set
    in a second pass (a template's current version). Captured in `order`
    (a desk after its site). Registered from `APP/restore.py`."""

    model: str
    natural_key: tuple[str, ...]
    deferred: tuple[str, ...] = ()
    order: int = 50

    @property
    def key(self) -> str:
        return self.model


restore_parts = Registry("restore parts")
captured_settings = Registry("captured settings")
restore_checks = Registry("restore checks")
restore_journey = Registry("restore journey")
erasure_ledger = ErasureLedger()


def ordered(registry: Registry) -> list:
    return sorted(registry, key=lambda item: (item.order, item.key))


@dataclass(frozen=True)
class Identity:
    """Who a data-subject request is about, as the person stated it (any of the three)."""

    full_name: str = ""
    email: str = ""
    phone: str = ""


class PersonFinder:
    """Who a data-subject request is about. The visitors app, which owns the
    people, installs its finder into `subject_people` (visitors/subjects.py);
    without it nobody is found. Called inside the organization's scope:
    - `find(identity) -> list[int]`: the ids of the people the identity names
      (not anonymised ones);
    - `candidates(identity, limit) -> list[dict]`: `id`, `first_name`,
      `last_name`, `email`, `company` of the first `limit`, for compliance to
      confirm who the person is;
    - `own_rows(person_ids) -> dict[str, list[int]]`: the ids, by retention
      type, of the people's own rows (their identities, their visits), first;
    - `language(person_ids) -> str`: the language they read ("" unknown)."""

    def find(self, identity) -> list[int]:
        return []

    def candidates(self, identity, limit: int) -> list[dict]:
        return []

    def own_rows(self, person_ids) -> dict[str, list[int]]:
        return {}

    def language(self, person_ids) -> str:
        return ""


class SubjectPeople:
    """The installed `PersonFinder` (one: the people are the visitors app's)."""

    def __init__(self):
        self.finder = PersonFinder()

    def install(self, finder: PersonFinder) -> None:
        self.finder = finder


subject_people = SubjectPeople()


class SubjectSource:
    """How the app owning a retention type finds a person's rows of it, for
    data-subject requests and legal holds that name a visitor (registered by
    `APP/subjects.py`; called inside the organization's scope). A type without
    a source is found through its `visitor_field`, if it has one. The rows'
    export, files and erasure are the type's (`retention_types[key]`).
    - `key`: the retention type.
    - `about(person_ids) -> Q | None`: a filter of the type's rows about these
      people (a hold naming a visitor covers them); None: no link to a person.
    - `rows(identity, person_ids) -> list[int]`: the ids of the person's rows,
      about the people compliance confirmed or found by what the person stated
      without a visitor record (a signer's name, the address a message went to).
    """

    key = ""

    def about(self, person_ids):
        return None

    def rows(self, identity: Identity, person_ids) -> list[int]:
        return []


subject_sources = Registry("subject sources")


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
    a `str()` naming it in the active language."""

    key = ""

    def queryset(self):
        raise NotImplementedError


filter_choices = Registry("report filter choices")
