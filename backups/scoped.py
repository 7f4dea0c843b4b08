"""Scoped application restore: for one organization, some sites, an interval
and data types, compare a backup with the live database and put back what the
backup had (a preview first, then the apply).

The backup is restored into a temporary database on the same server; rows of
the scope are read there (as the owner role, filtered by organization
explicitly) and in the live database (inside the organization's tenant scope,
so row-level security bounds every read and write)."""

import datetime
import secrets

from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from audit import services as audit
from tenancy.scope import tenant_scope

from . import archive, erasure, pgtools, scratch

# Per data type, the tables in the order rows can be re-created (parents first),
# with the condition that puts a row in the scope. %(org)s, %(sites)s, %(start)s,
# %(end)s are bound parameters.
SCOPES = {
    "settings": [
        ("sites_site", "id = ANY(%(sites)s)"),
        ("sites_desk", "site_id = ANY(%(sites)s)"),
        ("visitors_visittype", "TRUE"),
    ],
    "visits": [
        (
            "visitors_visitor",
            "id IN (SELECT visitor_id FROM visitors_visit WHERE organization_id = %(org)s "
            "AND site_id = ANY(%(sites)s) AND expected_at >= %(start)s AND expected_at < %(end)s)",
        ),
        ("visitors_visit", "site_id = ANY(%(sites)s) AND expected_at >= %(start)s AND expected_at < %(end)s"),
    ],
    "documents": [
        (
            "documents_attachment",
            "site_id = ANY(%(sites)s) AND uploaded_at >= %(start)s AND uploaded_at < %(end)s",
        ),
        (
            "documents_signedconsent",
            "site_id = ANY(%(sites)s) AND signed_at >= %(start)s AND signed_at < %(end)s",
        ),
    ],
    # The journal is append-only: compared and reported, never rewritten.
    "journal": [("audit_journalentry", "created_at >= %(start)s AND created_at < %(end)s")],
}
READ_ONLY = {"audit_journalentry"}
# Erasure-ledger data types whose ids are rows of these tables.
ERASED = {"visitors_visitor": ("visitor_identities",), "visitors_visit": ("visits",)}


class ScopedRestoreError(Exception):
    pass


def _params(scope) -> dict:
    return {
        "org": scope["organization"],
        "sites": scope["sites"],
        "start": scope["start"],
        "end": scope["end"],
    }


def _tables(scope):
    for data_type in ("settings", "visits", "documents", "journal"):
        if data_type in scope["data_types"]:
            yield from SCOPES[data_type]


def _table_names(scope) -> list[str]:
    # visitors_visit is read by the visitors' condition even when only "visits"
    # is asked; it is among the scope's tables then anyway.
    return sorted({table for table, _condition in _tables(scope)} | {"visitors_visit"})


def _rows(cursor, table, condition, params) -> dict[int, dict]:
    # Table names and conditions come from SCOPES (module constants); values are bound.
    sql = f'SELECT * FROM "{table}" WHERE organization_id = %(org)s AND ({condition})'  # noqa: S608
    # Never prepared: a column added by a migration would break a `SELECT *` plan
    # cached on a long-lived connection ("cached plan must not change result type").
    getattr(cursor, "cursor", cursor).execute(sql, params, prepare=False)
    columns = [c.name for c in cursor.description]
    return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}


def _comparable(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    return value


def _diff(backup: dict, live: dict, erased: set[int]) -> dict:
    create = sorted(pk for pk in backup if pk not in live and pk not in erased)
    revert = {}
    for pk in sorted(set(backup) & set(live)):
        if pk in erased:
            continue
        fields = {
            name: {"backup": _comparable(value), "now": _comparable(live[pk].get(name))}
            for name, value in backup[pk].items()
            if value != live[pk].get(name)
        }
        if fields:
            revert[pk] = fields
    since = sorted(pk for pk in live if pk not in backup)
    return {"create": create, "revert": revert, "since": since}


def _erased_ids(scope, table) -> set[int]:
    ids = set()
    for record in scope.get("erasures", []):
        if record["data_type"] in ERASED.get(table, ()):
            ids.update(record["ids"])
    return ids


def _compare(scope, copy: pgtools.Target) -> tuple[dict, dict]:
    """(diff per table, backup rows per table)."""
    params = _params(scope)
    diffs, backup_rows = {}, {}
    with (
        copy.connect() as conn,
        conn.cursor() as backup_cursor,
        tenant_scope(scope["organization"]),
        connection.cursor() as live_cursor,
    ):
        for table, condition in _tables(scope):
            backup = _rows(backup_cursor, table, condition, params)
            # A backup row may have left the scope since (its visit deleted,
            # its site changed): found by id, it is reverted, not duplicated.
            live = _rows(live_cursor, table, condition, params)
            live.update(_rows(live_cursor, table, "id = ANY(%(ids)s)", {**params, "ids": list(backup)}))
            diffs[table] = _diff(backup, live, _erased_ids(scope, table))
            backup_rows[table] = backup
    return diffs, backup_rows


class _Copy:
    """The backup restored into a temporary database next to the live one."""

    def __init__(self, run, tables=()):
        self.run = run
        self.tables = tables

    def __enter__(self) -> pgtools.Target:
        self.folder = archive.work_dir("vestibule-scoped-")
        live = pgtools.owner_target()
        self.server, self.name = live, f"vst_scoped_{secrets.token_hex(4)}"
        archive.fetch(self.run.backup_id, self.folder)
        unpacked = archive.unpack(self.folder, expected=self.run.report)
        self.unpacked = unpacked
        target = pgtools.create_database(live, self.name)
        scratch.pg_restore(
            unpacked.plain["database.dump"], target, unpacked.manifest["server_major"], tables=self.tables
        )
        return target

    def __exit__(self, *exc):
        pgtools.drop_database(self.server, self.name)
        archive.cleanup(self.folder)


def scope_of(ticket) -> dict:
    created = ticket.backup.started_at
    return {
        "organization": ticket.organization_id,
        "sites": [s.pk for s in ticket.sites.all()],
        "start": ticket.period_start,
        "end": ticket.period_end,
        "data_types": list(ticket.data_types),
        "erasures": erasure.ledger_since(created, [ticket.organization_id]),
    }


def summary(diffs: dict) -> dict:
    return {
        table: {"create": len(d["create"]), "revert": len(d["revert"]), "since": len(d["since"])}
        for table, d in diffs.items()
    }


def preview(*, scope: dict, run) -> dict:
    """Counts and, per table, the ids to re-create, the field-level differences
    to revert and the rows created since (left alone)."""
    with _Copy(run, _table_names(scope)) as copy:
        diffs, backup_rows = _compare(scope, copy)
    # Rows the backup holds but whose person was erased since: they stay erased.
    stays_erased = {
        table: len(set(backup_rows[table]) & _erased_ids(scope, table))
        for table in backup_rows
        if table in ERASED
    }
    out = {"backup": run.backup_id, "counts": summary(diffs), "stays_erased": stays_erased, "tables": {}}
    for table, d in diffs.items():
        out["tables"][table] = {
            "create": d["create"][:200],
            "revert": {str(pk): sorted(fields) for pk, fields in list(d["revert"].items())[:200]},
            "since": d["since"][:200],
        }
    with tenant_scope(scope["organization"]):
        audit.record(
            "restore.previewed",
            data={"backup_run": run.pk, "counts": out["counts"], "stays_erased": stays_erased},
        )
    return out


def _insert(cursor, table, row):
    columns = list(row)
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    # Column names come from the backup copy's own table; values are bound.
    cursor.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [_adapt(row[c]) for c in columns])  # noqa: S608


def _update(cursor, table, pk, row):
    columns = [c for c in row if c != "id"]
    sets = ", ".join(f'"{c}" = %s' for c in columns)
    cursor.execute(f'UPDATE "{table}" SET {sets} WHERE id = %s', [*[_adapt(row[c]) for c in columns], pk])  # noqa: S608


def _adapt(value):
    if isinstance(value, dict | list) and not isinstance(value, str):
        from psycopg.types.json import Jsonb

        return Jsonb(value) if isinstance(value, dict) else value
    return value


def apply(*, scope: dict, run, on_table=None) -> dict:
    """Put the scope back as the backup had it.

    1. Restore the backup into a temporary database and compute the diff.
    2. In ONE transaction under the organization's tenant scope: re-create the
       missing rows and revert the changed ones, parents first; replay the
       erasures made since the backup; journal `restore.applied`. Any error
       (or a killed process) rolls everything back: nothing is half-applied.
    Rows created since the backup are left alone.
    """
    copy = _Copy(run, _table_names(scope))
    with copy as target:
        diffs, backup_rows = _compare(scope, target)
        # Files first, outside the transaction: a rolled-back apply leaves at
        # worst an unreferenced copy of a file, never a row without its file.
        keys = {
            backup_rows["documents_attachment"][pk]["storage_key"]
            for pk in diffs.get("documents_attachment", {}).get("create", [])
        }
        files = archive.restore_objects(copy.unpacked, default_storage, only=keys) if keys else 0
    applied = {}
    with tenant_scope(scope["organization"]), connection.cursor() as cursor:
        for table, d in diffs.items():
            if table in READ_ONLY:
                continue
            for pk in d["create"]:
                _insert(cursor, table, backup_rows[table][pk])
            for pk in d["revert"]:
                _update(cursor, table, pk, backup_rows[table][pk])
            applied[table] = {"created": len(d["create"]), "reverted": len(d["revert"])}
            if on_table is not None:
                on_table(table)
        replayed = erasure.replay(scope.get("erasures", []))
        audit.record(
            "restore.applied",
            data={"backup_run": run.pk, "applied": applied, "erasures_replayed": replayed["replayed"]},
        )
    return {
        "applied": applied,
        "erasures": replayed,
        "backup": run.backup_id,
        "files": files,
        "applied_at": timezone.now().isoformat(),
        "checks": post_checks(scope["organization"]),
        "exports_started": rerun_exports(scope),
    }


def rerun_exports(scope) -> int:
    """Scheduled exports of the interval that are missing (never run, or lost
    with the data) are started again: the reports app's `tick` is idempotent
    per schedule and period, so asking it "as of" each day of the interval
    creates only the runs that do not exist."""
    try:
        from reports.scheduling import tick
    except ImportError:
        return 0
    start, end = scope["start"], scope["end"]
    if isinstance(start, str):
        start, end = datetime.datetime.fromisoformat(start), datetime.datetime.fromisoformat(end)
    started, day = 0, start
    while day <= end + datetime.timedelta(days=1):
        started += tick(organization_id=scope["organization"], now=day.replace(hour=23, minute=59))
        day += datetime.timedelta(days=1)
    return started


def post_checks(organization_id) -> list[dict]:
    """After an apply: the organization's journal chain and its badge numbers."""
    from audit.services import verify

    out = []
    with tenant_scope(organization_id):
        result = verify(organization_id)
        out.append(
            {"name": "journal", "ok": result.ok, "detail": result.reason or f"{result.checked} entries"}
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM visitors_visit WHERE badge_number IS NOT NULL "
                "GROUP BY site_id, badge_day, badge_number HAVING count(*) > 1) d"
            )
            duplicates = cursor.fetchone()[0]
        out.append({"name": "badge_numbers", "ok": not duplicates, "detail": f"{duplicates} duplicates"})
    return out


def backup_for(point_in_time) -> "archive.BackupRun | None":
    from .models import BackupRun

    return (
        BackupRun.objects.filter(status__in=["ok", "partial"], started_at__lte=point_in_time)
        .order_by("-started_at")
        .first()
    )


OTHERS_TABLES = ("visitors_visit", "visitors_visitor", "documents_attachment", "documents_signedconsent")


def others_checksum(organization_id) -> dict:
    """The fingerprint of every other organization's scoped tables: equal before
    and after an apply proves the other tenants were not touched."""
    return checksum("organization_id <> %(org)s", {"org": organization_id}, OTHERS_TABLES)


def checksum(where_sql: str, params, tables) -> dict:
    """md5 of the rows matching `where_sql` in each table, as the owner role: the
    proof that rows outside a scope were not touched."""
    out = {}
    with pgtools.owner_target().connect() as conn:
        for table in tables:
            # Callers are tests and support tools passing constant SQL; values are bound.
            query = f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM \"{table}\" t"  # noqa: S608
            out[table] = conn.execute(f"{query} WHERE {where_sql}", params).fetchone()[0]
    return out
