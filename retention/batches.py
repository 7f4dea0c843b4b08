"""The SQL of one purge batch: picking the rows, finding the rows of other types
linked to them, and writing the batch's proof.

Why SQL around the ORM rather than the ORM alone: a batch touches a thousand
ids, and every ORM round trip with them costs more in binding and parsing than
the database spends on it. Here the ids travel as the text of one array, the
timestamps are never parsed on the client, and the proof (verified ids, proof
row, ledger rows, counters, cursor, heartbeat) is one statement. The row
filters still come from the data types' querysets, compiled by Django, so
row-level security, the organization scope and the types' own rules apply
unchanged.
"""

# The statements are assembled from SQL the ORM compiled and from fixed text in
# this module; every value is a parameter. Hence, for this file only:
# ruff: noqa: S608, S611

import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from config.lookups import IdArray


@dataclass
class Picked:
    """The rows of one batch, in cursor order."""

    ids: list[int]
    ids_text: str  # the same ids as a PostgreSQL array literal
    stamps_text: str  # their timestamps, as the server printed them (sent back as is)
    cursor: int
    cursor_at: object  # datetime or None (a batch keyed on the id alone)


@dataclass
class Erased:
    """Rows of one data type that a batch anonymised or deleted, for the ledger.
    `remaining`: a queryset of those still pending, whose ids are left out of
    the proof (a row whose file could not be removed); None trusts the type."""

    data_type: str
    action: str
    ids_text: str
    remaining: object = None


def stamp_array(stamps) -> str:
    """Timestamps as a PostgreSQL array literal (ISO 8601 keeps the offset)."""
    return "{" + ",".join(f'"{stamp.isoformat()}"' for stamp in stamps) + "}"


def _sql(queryset):
    return queryset.query.sql_with_params()


def next_rows(rows, *, stamp: str, on_time: bool, cursor: int, cursor_at, size: int, using="default"):
    """The next `size` rows of `rows` after the cursor, as (id, timestamp) pairs:
    ordered by (timestamp, id) when `on_time`, so that the index on that key
    serves the search and a batch reads about `size` index entries however
    large the table; by id otherwise.

    The comparison is a row comparison, `(ts, id) > (a, b)`, where the index
    scan starts: many rows can share a timestamp (a bulk import), and
    `ts >= a AND (ts > a OR id > b)` would re-read all of them on every batch."""
    model = rows.model
    if on_time:
        if cursor_at is not None:
            quote = connections[using].ops.quote_name
            table = quote(model._meta.db_table)
            column = quote(model._meta.get_field(stamp).column)
            key = f"({table}.{column}, {table}.{quote(model._meta.pk.column)}) > (%s, %s)"
            rows = rows.filter(RawSQL(key, (cursor_at, cursor), output_field=BooleanField()))
        rows = rows.order_by(stamp, "pk")
    else:
        rows = rows.filter(pk__gt=cursor).order_by("pk")
    return rows.values_list("pk", stamp)[:size]


def pick(
    rows, *, stamp: str, on_time: bool, cursor: int, cursor_at, size: int, using="default"
) -> Picked | None:
    """The next batch (next_rows), its ids and timestamps aggregated by the
    database into one row of text."""
    batch = next_rows(
        rows, stamp=stamp, on_time=on_time, cursor=cursor, cursor_at=cursor_at, size=size, using=using
    )
    inner, params = _sql(batch)
    order = "p.ts, p.id" if on_time else "p.id"
    with connections[using].cursor() as db:
        db.execute(
            f"SELECT array_agg(p.id ORDER BY {order})::text, array_agg(p.ts ORDER BY {order})::text, "
            f"max(p.ts) FROM ({inner}) AS p(id, ts)",
            params,
        )
        ids_text, stamps_text, newest = db.fetchone()
    if ids_text is None:
        return None
    ids = [int(pk) for pk in ids_text[1:-1].split(",")]
    # The last row in (timestamp, id) order has the greatest timestamp.
    return Picked(ids, ids_text, stamps_text, ids[-1], newest if on_time else None)


def linked(querysets, using="default") -> list[list[int]]:
    """The ids of each queryset (rows of other types linked to a batch), in one
    round trip."""
    if not querysets:
        return []
    selects, params = [], []
    for rows in querysets:
        sql, part = _sql(rows.order_by().values_list("pk"))
        selects.append(f"(SELECT array_agg(x.id ORDER BY x.id)::text FROM ({sql}) AS x(id))")
        params.extend(part)
    with connections[using].cursor() as db:
        db.execute("SELECT " + ", ".join(selects), params)
        found = db.fetchone()
    return [[int(pk) for pk in text[1:-1].split(",")] if text else [] for text in found]


def remaining(rows, ids_text: str):
    """Those of the ids still in `rows` (a type's pending or existing rows)."""
    return rows.filter(pk__any_of=IdArray(ids_text))


def _still_there(column: str, rows) -> tuple[str, list]:
    """`WHERE column NOT IN (ids `rows` still holds)`, or nothing when `rows` is None."""
    if rows is None:
        return "", []
    sql, params = _sql(rows.order_by().values_list("pk"))
    return f" WHERE {column} NOT IN ({sql})", list(params)


def write_proof(
    progress,
    *,
    subject_request_id,
    ids_text: str,
    stamps_text: str,
    remaining_rows,
    result,
    cascaded=(),
    cursor=None,
    cursor_at=None,
    seconds: float = 0.0,
    object_failures=None,
    using="default",
) -> None:
    """Write a batch's proof in the caller's transaction on `using`, in one
    statement:

    1. `touched`: the batch's ids minus those `remaining_rows` still holds (what
       the type really did), with their timestamps;
    2. the PurgeBatch row (the digest is computed over these ids) and the
       ledger rows: the linked rows of other types first, then the batch's;
    3. the run's heartbeat (services.stale_runs);
    4. the progress row: counts, oldest/newest of the touched rows, cursor.
    The caller holds the progress row's lock (SELECT ... FOR UPDATE)."""
    org, run = progress.organization_id, progress.run_id
    parts: list[tuple[str, list]] = []  # (SQL, its parameters), in the order of the text

    def add(sql, *params):
        parts.append((sql, list(params)))

    add(
        "WITH batch AS (SELECT b.id, b.ts FROM unnest(%s::bigint[], %s::timestamptz[]) AS b(id, ts))",
        ids_text,
        stamps_text,
    )
    where, params = _still_there("id", remaining_rows)
    add(f", touched AS (SELECT id, ts FROM batch{where})", *params)
    for n, erased in enumerate(cascaded):
        where, params = _still_there("i", erased.remaining)
        add(
            f", linked{n} AS (SELECT array_agg(i ORDER BY i) AS ids FROM unnest(%s::bigint[]) AS i{where})",
            erased.ids_text,
            *params,
        )
    add(
        ", proof AS (INSERT INTO retention_purgebatch "
        "(organization_id, progress_id, ids, created_at, seconds) "
        "SELECT %s, %s, array_agg(id ORDER BY id), clock_timestamp(), %s FROM touched "
        "HAVING count(*) > 0 RETURNING ids)",
        org,
        progress.pk,
        seconds,
    )
    # clock_timestamp(): as close to the commit as the statement can be, for
    # erasures_since() (a backup taken during the batch replays it).
    add(
        ", ledger AS (INSERT INTO retention_erasurerecord "
        "(organization_id, data_type, action, ids, run_id, subject_request_id, created_at) "
        "SELECT %s, e.data_type, e.action, e.ids, %s, %s, clock_timestamp() FROM (",
        org,
        run,
        subject_request_id,
    )
    for n, erased in enumerate(cascaded):
        add(
            f"SELECT {n} AS n, %s AS data_type, %s AS action, ids FROM linked{n} "
            "WHERE ids IS NOT NULL UNION ALL ",
            erased.data_type,
            erased.action,
        )
    add(
        f"SELECT {len(cascaded)} AS n, %s AS data_type, %s AS action, ids FROM proof) AS e ORDER BY e.n)",
        progress.data_type,
        progress.action,
    )
    add(", beat AS (UPDATE retention_purgerun SET heartbeat_at = clock_timestamp() WHERE id = %s)", run)
    add(
        " UPDATE retention_purgeprogress SET rows_anonymised = rows_anonymised + %s, "
        "rows_deleted = rows_deleted + %s, objects_deleted = objects_deleted + %s, "
        # LEAST/GREATEST skip NULLs: the first batch sets them, an empty one keeps them.
        "oldest = LEAST(oldest, (SELECT min(ts) FROM touched)), "
        "newest = GREATEST(newest, (SELECT max(ts) FROM touched))",
        result.rows_anonymised,
        result.rows_deleted,
        result.objects_deleted,
    )
    if cursor is not None:
        add(", cursor = %s, cursor_at = %s", cursor, cursor_at)
    if object_failures is not None:
        add(", object_failures = %s::jsonb", json.dumps(object_failures))
    add(" WHERE id = %s", progress.pk)
    with connections[using].cursor() as db:
        db.execute("".join(sql for sql, _ in parts), [value for _, params in parts for value in params])


def stored_digest(progress, using="default") -> str:
    """purge.digest() over every id the progress row's batches recorded, computed
    by the database (a run over a million rows need not bring them here)."""
    with connections[using].cursor() as db:
        db.execute(
            "SELECT encode(sha256(convert_to(coalesce(string_agg(i::text, %s ORDER BY i), ''), 'UTF8')), "
            "'hex') FROM retention_purgebatch AS b CROSS JOIN LATERAL unnest(b.ids) AS i "
            "WHERE b.organization_id = %s AND b.progress_id = %s",
            ["\n", progress.organization_id, progress.pk],
        )
        return db.fetchone()[0]
