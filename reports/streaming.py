"""Rows of a queryset from a named server-side cursor, in constant memory.

Django's `.iterator()` fetches the next batch only when the previous one has
been consumed, so the database waits while Python writes CSV and Python waits
while the database renders rows. Here a helper thread fetches batch n+1 while
the caller writes batch n (psycopg releases the GIL while it waits on the
server); a bounded queue keeps at most two batches in memory.

The cursor is declared on the caller's connection, inside its transaction and
tenant scope (row-level security applies); only FETCH runs in the helper, and
the caller does not use the connection until the rows are exhausted or the
generator is closed.
"""

import contextlib
import queue
import secrets
import threading

from django.db import connections

_DONE = object()


def server_rows(queryset, *, chunk_size: int = 5000):
    connection = connections[queryset.db]
    if not connection.in_atomic_block:
        raise RuntimeError("a server-side cursor needs the caller's transaction (tenant_scope)")
    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
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
