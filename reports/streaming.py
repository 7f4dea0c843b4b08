"""Rows of an export, in constant memory, from the caller's transaction and
tenant scope (row-level security applies to both ways below).

`copy_records()`: PostgreSQL writes the CSV records itself, `COPY (SELECT ...)
TO STDOUT WITH (FORMAT csv)`, and Python only swaps line ends and writes the
bytes. That is how a million-row export keeps up with COPY: every cell is
already rendered by SQL (config.exports), and what remained in Python, psycopg
turning each cell into a Python object and the csv module turning it back into
text, cost more than COPY takes for the whole export. COPY also streams
without a round trip per batch (the server keeps rendering while we write), and
may use parallel workers, which a cursor never does. `copy_values()` says when that is
possible: only when PostgreSQL's CSV writer gives the very bytes that
`reports.csvwriter.encode` gives for the same rows (a test compares both).

`server_rows()`: the general way, rows as tuples for `csvwriter.encode`, for
columns Python must still transform (masked recipients) or that COPY would
write differently. Django's `.iterator()` fetches the next batch only when the
previous one has been consumed, so the database waits while Python writes CSV
and Python waits while the database renders rows. Here a helper thread fetches
batch n+1 while the caller writes batch n (psycopg releases the GIL while it
waits on the server); a bounded queue keeps at most two batches in memory. The
cursor is declared on the caller's connection, inside its transaction; only
FETCH runs in the helper, and the caller does not use the connection until the
rows are exhausted or the generator is closed.
"""

import contextlib
import queue
import secrets
import threading
from collections.abc import Iterator

from django.db import connections
from django.db.models import IntegerField

from config.exports import NUMBER, RENDERED

_DONE = object()


def _connection(queryset):
    connection = connections[queryset.db]
    if not connection.in_atomic_block:
        raise RuntimeError("exporting rows needs the caller's transaction (tenant_scope)")
    connection.ensure_connection()
    return connection


def _integer(field) -> bool:
    while field.is_relation:  # visit_id: the target's integer key
        field = field.target_field
    return isinstance(field, IntegerField)  # auto fields and positive ones included


def copy_values(selection):
    """The selection's rows shaped for `copy_records`, or None when PostgreSQL's
    CSV writer would not write what `csvwriter.encode` writes for them.

    The two writers quote the same way (a field holding the delimiter, `"`, CR
    or LF is quoted, quotes doubled) and write NULL as an empty field. They
    differ on:
    - the empty string, which COPY quotes ("") to tell it from NULL: text
      columns give NULL instead of '' (`values(empty_as_null=True)`);
    - a single-column row: Python writes an empty one as "", COPY as nothing,
      and COPY quotes a lone `\\.`; such exports take the other way;
    - cells Python computes (a `transform`) or renders itself (a number column
      that is not an integer, e.g. a float): the other way too;
    - the encoding, should the connection's not be UTF-8.
    """
    kinds = selection.kinds
    if len(kinds) < 2 or any(kind not in (RENDERED, NUMBER) for kind in kinds):
        return None
    values = selection.values(empty_as_null=True)
    if _connection(values).connection.info.encoding != "utf-8":
        return None
    annotations = values.query.annotations
    names = list(values.query.annotation_select)
    if len(names) != len(kinds) or values.query.values_select or values.query.extra_select:
        return None
    if not all(
        _integer(annotations[n].output_field) for n, k in zip(names, kinds, strict=True) if k == NUMBER
    ):
        return None
    return values


def copy_records(queryset, *, delimiter: str = ";", chunk_rows: int = 5000) -> Iterator[tuple[int, bytes]]:
    """(row count, bytes) chunks of CSV records of `queryset` (from `copy_values`)
    written by PostgreSQL, CR LF after each, in the queryset's order."""
    if delimiter not in (";", ","):
        raise ValueError(f"unsupported delimiter {delimiter!r}")
    connection = _connection(queryset)
    raw = connection.connection
    if raw.info.encoding != "utf-8":
        # COPY writes in the client encoding; the file is UTF-8 whatever it is.
        raise RuntimeError(f"COPY needs a UTF-8 client encoding, not {raw.info.encoding}")
    sql, params = queryset.query.sql_with_params()
    select = connection.ops.compose_sql(sql, params) if params else sql
    statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        # libpq hands COPY data over one record at a time, each ending with the
        # LF that COPY puts after a row (an LF inside a quoted field is never
        # the last byte of a record). Cutting that last byte and joining with
        # CR LF gives RFC 4180 line ends without looking inside the fields.
        # Closing this generator early cancels the COPY (psycopg's Copy exit).
        batch: list = []
        append = batch.append
        for record in copy:
            append(record[:-1])
            if len(batch) >= chunk_rows:
                count = len(batch)
                append(b"")
                yield count, b"\r\n".join(batch)
                batch.clear()
        if batch:
            count = len(batch)
            append(b"")
            yield count, b"\r\n".join(batch)


def server_rows(queryset, *, chunk_size: int = 5000):
    connection = _connection(queryset)
    sql, params = queryset.query.sql_with_params()
    raw = connection.connection
    # PostgreSQL plans a cursor for a fast start (cursor_tuple_fraction 0.1):
    # index order and nested loops, so the first rows come at once instead of
    # after a sort of the whole result. That keeps the heartbeat and progress
    # moving from the first second and lets this helper and the writer overlap.
    cursor = raw.cursor(name=f"vestibule_rows_{secrets.token_hex(4)}")
    cursor.execute(connection.ops.compose_sql(sql, params) if params else sql)
    batches: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def pump():
        try:
            while not stop.is_set():
                rows = cursor.fetchmany(chunk_size)
                batches.put(rows if rows else _DONE)
                if not rows:
                    return
        except BaseException as exc:  # handed to the caller, raised there
            batches.put(exc)

    helper = threading.Thread(target=pump, name="export-rows", daemon=True)
    helper.start()
    try:
        while True:
            item = batches.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        while helper.is_alive():  # unblock a helper waiting on a full queue
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.05)
        helper.join()
        cursor.close()
