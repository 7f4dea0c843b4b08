"""Scoped application restore: for one organization, some sites, an interval
and data types, compare a backup with the live database and put back what the
backup had (a preview first, then the apply).

The backup is restored into a temporary database on the same server; rows of
the scope are read there (as the owner role, filtered by organization
explicitly) and in the live database (inside the organization's tenant scope,
so row-level security bounds every read and write)."""

import datetime
import secrets

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from audit import services as audit
from config.registries import RestorePart, RestoreTable, ordered, restore_checks, restore_parts
from tenancy.scope import tenant_scope

from . import archive, erasure, pgtools, scratch
from .models import BackupRun

# What each data type brings back is registered by the app that owns it
# (`APP/restore.py`, see config.registries.RestorePart); this module only reads
# the registry and writes rows from the models' metadata.


def _parts(scope) -> list[RestorePart]:
    """The parts of the scope's data types, parents first."""
    return [part for part in ordered(restore_parts) if part.data_type in scope["data_types"]]


def _tables(scope):
    """(model, RestoreTable) of the scope, in the order rows can be re-created."""
    for part in _parts(scope):
        for table in part.tables:
            yield apps.get_model(table.model), table


def _table_names(scope) -> list[str]:
    """The tables restored into the temporary copy: the scope's, and those their
    conditions read."""
    names = {model._meta.db_table for model, _table in _tables(scope)}
    for part in _parts(scope):
        names |= {apps.get_model(label)._meta.db_table for label in part.reads}
    return sorted(names)


def _params(scope) -> dict:
    return {
        "org": scope["organization"],
        "sites": scope["sites"],
        "start": scope["start"],
        "end": scope["end"],
    }


def _columns(model) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def _rows(cursor, model, condition, params, *, columns=None) -> dict[int, dict]:
    """Rows of the model's table in the scope, by primary key. `columns`: the
    model's columns (the live database); None reads every column the table has
    (a backup copy may predate a column, and then simply lacks it)."""
    table = model._meta.db_table
    listed = "*" if columns is None else ", ".join(f'"{c}"' for c in columns)
    # Table and column names come from the models; conditions from the owning
    # app's RestoreTable (constants); values are bound.
    sql = f'SELECT {listed} FROM "{table}" WHERE organization_id = %(org)s AND ({condition})'  # noqa: S608
    # Never prepared: a column added by a migration would break a `SELECT *` plan
    # cached on a long-lived connection ("cached plan must not change result type").
    getattr(cursor, "cursor", cursor).execute(sql, params, prepare=False)
    names = [c.name for c in cursor.description]
    pk = model._meta.pk.column
    known = set(_columns(model))
    rows = {}
    for row in cursor.fetchall():
        values = dict(zip(names, row, strict=True))
        # A column the backup has and the model dropped since cannot be written back.
        rows[values[pk]] = {name: value for name, value in values.items() if name in known}
    return rows


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


def _erased_ids(scope, table: RestoreTable) -> set[int]:
    ids = set()
    for record in scope.get("erasures", []):
        if record["data_type"] in table.erased_as:
            ids.update(record["ids"])
    return ids


def _compare(scope, copy: pgtools.Target) -> tuple[dict, dict]:
    """(diff per table, backup rows per table), keyed by table name."""
    params = _params(scope)
    diffs, backup_rows = {}, {}
    with (
        copy.connect() as conn,
        conn.cursor() as backup_cursor,
        tenant_scope(scope["organization"]),
        connection.cursor() as live_cursor,
    ):
        for model, table in _tables(scope):
            name = model._meta.db_table
            backup = _rows(backup_cursor, model, table.where, params)
            # A backup row may have left the scope since (its visit deleted,
            # its site changed): found by id, it is reverted, not duplicated.
            columns = _columns(model)
            live = _rows(live_cursor, model, table.where, params, columns=columns)
            live.update(
                _rows(
                    live_cursor, model, "id = ANY(%(ids)s)", {**params, "ids": list(backup)}, columns=columns
                )
            )
            diffs[name] = _diff(backup, live, _erased_ids(scope, table))
            backup_rows[name] = backup
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
        unpacked = archive.unpack(self.folder, expected=self.run.report, key_id=self.run.key_id)
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
        model._meta.db_table: len(set(backup_rows[model._meta.db_table]) & _erased_ids(scope, table))
        for model, table in _tables(scope)
        if table.erased_as
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


def _write(cursor, model, row, *, pk=None):
    """INSERT the backup's row into the model's table (`pk` None), or UPDATE the
    live row `pk` with it, the columns and their adaptation taken from the
    model's concrete fields: one path for every registered table."""
    fields = [f for f in model._meta.concrete_fields if f.column in row]
    if pk is not None:
        fields = [f for f in fields if not f.primary_key]
    values = [_adapt(field, row[field.column]) for field in fields]
    table = model._meta.db_table
    # Table and column names come from the model's metadata; values are bound.
    if pk is None:
        names = ", ".join(f'"{f.column}"' for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        cursor.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)  # noqa: S608
    else:
        sets = ", ".join(f'"{f.column}" = %s' for f in fields)
        where = f'"{model._meta.pk.column}" = %s'
        cursor.execute(f'UPDATE "{table}" SET {sets} WHERE {where}', [*values, pk])  # noqa: S608


def _adapt(field, value):
    """A JSON column's value read back as Python goes out as JSON (a list too,
    which would otherwise be sent as an SQL array)."""
    if value is not None and isinstance(field, models.JSONField):
        return Jsonb(value)
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
            backup_rows[model._meta.db_table][pk][column]
            for model, table in _tables(scope)
            for column in table.files
            for pk in diffs[model._meta.db_table]["create"]
            if backup_rows[model._meta.db_table][pk].get(column)
        }
        files = archive.restore_objects(copy.unpacked, default_storage, only=keys) if keys else 0
    applied = {}
    with tenant_scope(scope["organization"]), connection.cursor() as cursor:
        for model, table in _tables(scope):
            if table.read_only:
                continue
            name, d = model._meta.db_table, diffs[model._meta.db_table]
            for pk in d["create"]:
                _write(cursor, model, backup_rows[name][pk])
            for pk in d["revert"]:
                _write(cursor, model, backup_rows[name][pk], pk=pk)
            applied[name] = {"created": len(d["create"]), "reverted": len(d["revert"])}
            if on_table is not None:
                on_table(name)
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
        **after_apply(scope),
    }


def after_apply(scope) -> dict[str, int]:
    """What the apps start once a scope is back (the scheduled exports of the
    interval that are missing: `exports_started`)."""
    out: dict[str, int] = {}
    for part in ordered(restore_parts):
        for name, count in part.after_apply(scope).items():
            out[name] = out.get(name, 0) + count
    return out


def post_checks(organization_id) -> list[dict]:
    """After an apply: the checks the apps registered (the organization's
    journal chain, its badge numbers)."""
    out = []
    for check in ordered(restore_checks):
        with tenant_scope(organization_id):
            result = check.after_apply(organization_id)
        if result is not None:
            ok, detail = result
            out.append({"name": check.key, "ok": ok, "detail": detail})
    return out


def backup_for(point_in_time) -> BackupRun | None:
    return (
        BackupRun.objects.filter(status__in=["ok", "partial"], started_at__lte=point_in_time)
        .order_by("-started_at")
        .first()
    )


def others_checksum(organization_id) -> dict:
    """The fingerprint of every other organization's restorable rows (every
    registered table that a restore writes): equal before and after an apply
    proves the other tenants were not touched."""
    tables = sorted(
        {
            apps.get_model(table.model)._meta.db_table
            for part in restore_parts
            for table in part.tables
            if not table.read_only
        }
    )
    return checksum("organization_id <> %(org)s", {"org": organization_id}, tables)


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
