"""Behind PgBouncer in transaction pooling mode (issue 20): a server connection
serves one client's transaction, then another's. The tenant setting must not
outlive its transaction, prepared statements must be off, and a restart of the
pooler must cost the web workers no more than the requests made while it is down.

Each test starts its own PgBouncer (Debian's package) in front of this session's
test database, straight to the server: in the CI's PgBouncer pass too."""

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connections

from config.pgbouncer import PgBouncer, installed
from retention import purge
from tenancy.scope import tenant_scope
from tenancy.tokens import create_token

pytestmark = pytest.mark.skipif(
    not installed(), reason="pgbouncer is not installed (Debian package pgbouncer)"
)
BASE = Path(__file__).resolve().parent.parent
SITES = "SELECT organization_id FROM sites_site ORDER BY 1"


def database_name() -> str:
    return connections["default"].settings_dict["NAME"]


def start_bouncer(pool_size: int) -> PgBouncer:
    server = connections["owner"].settings_dict  # the owner's line goes straight to the server
    folder = Path(settings.VAR_DIR) / "pgbouncer" / f"test-{os.getpid()}-{time.monotonic_ns()}"
    bouncer = PgBouncer(folder, server["HOST"], server["PORT"], pool_size=pool_size)
    bouncer.start()
    return bouncer


@pytest.fixture
def one_server_connection():
    """PgBouncer with a pool of one: every client's transactions share one backend."""
    bouncer = start_bouncer(pool_size=1)
    yield bouncer
    bouncer.stop()


def app_connection(bouncer: PgBouncer, prepare_threshold=None) -> psycopg.Connection:
    url = bouncer.url(settings.DATABASE_APP_ROLE, database_name())
    return psycopg.connect(url, autocommit=True, prepare_threshold=prepare_threshold)


def tenant_transaction(conn, organization_id, *, local=True):
    """A request's transaction as tenant.scope opens it: the setting, then reads."""
    with conn.transaction():
        conn.execute("SELECT set_config('app.organization_id', %s, %s)", [str(organization_id), local])
        seen = {row[0] for row in conn.execute(SITES)}
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    return seen, backend


def unscoped_transaction(conn):
    with conn.transaction():
        seen = {row[0] for row in conn.execute(SITES)}
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    return seen, backend


@pytest.mark.django_db(transaction=True)  # the other clients read committed rows
def test_two_tenants_interleaved_on_one_server_connection_never_see_each_others_rows(
    orgs, one_server_connection
):
    a, b = orgs.a.org.pk, orgs.b.org.pk
    backends = set()
    with app_connection(one_server_connection) as first, app_connection(one_server_connection) as second:
        for _round in range(5):
            for conn, org in ((first, a), (second, b)):
                seen, backend = tenant_transaction(conn, org)
                assert seen == {org}
                backends.add(backend)
            for conn in (second, first):
                seen, backend = unscoped_transaction(conn)
                assert seen == set(), "the previous transaction's tenant leaked into the next"
                backends.add(backend)
        assert len(backends) == 1, "the two clients did not share one server connection"

        # What the transaction-local setting prevents: a session-wide one stays on
        # the server connection and the other client's next transaction inherits it.
        tenant_transaction(first, a, local=False)
        assert unscoped_transaction(second) == ({a}, backends.pop())


@pytest.mark.django_db
def test_named_prepared_statements_clash_on_a_shared_server_connection(one_server_connection):
    with app_connection(one_server_connection, prepare_threshold=0) as first:
        with app_connection(one_server_connection, prepare_threshold=0) as second:
            first.execute(SITES)
            with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
                second.execute(SITES)


def fresh_settings():
    """config/settings.py read again under the current environment (the loaded
    settings stay as they are)."""
    spec = importlib.util.spec_from_file_location("config.settings_again", BASE / "config" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prepare_threshold_zero_turns_preparing_off(monkeypatch):
    """DATABASE_PREPARE_THRESHOLD=0, as the README tells PgBouncer users, gives
    psycopg `prepare_threshold=None` (0 would mean: prepare on first use)."""
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "0")
    behind_pooler = fresh_settings().DATABASES["default"]["OPTIONS"]
    monkeypatch.delenv("DATABASE_PREPARE_THRESHOLD")
    direct = fresh_settings().DATABASES["default"]["OPTIONS"]
    assert behind_pooler["prepare_threshold"] is None and behind_pooler["server_side_binding"] is True
    assert direct["prepare_threshold"] == 5


@contextmanager
def default_through(bouncer: PgBouncer):
    """This process's `default` connection through `bouncer`, prepared statements off."""
    default = connections["default"]
    saved = {key: default.settings_dict[key] for key in ("HOST", "PORT", "OPTIONS")}
    default.close()
    options = {**saved["OPTIONS"], "prepare_threshold": None}
    default.settings_dict.update(HOST="127.0.0.1", PORT=bouncer.port, OPTIONS=options)
    try:
        yield
    finally:
        default.close()
        default.settings_dict.update(saved)


# Committed rows: the purge's lock has a connection of its own; `owner` plays the next worker.
@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_a_purge_releases_its_organization_lock_behind_pgbouncer(orgs):
    with tenant_scope(orgs.a.org):
        purge.create_run(organization=orgs.a.org)
    bouncer = start_bouncer(pool_size=3)
    other = app_connection(bouncer)
    busy = []

    def another_request_meanwhile(_seconds):
        # PgBouncer hands out the server connection released last: the one the
        # purge has just used is now another client's until it commits.
        if not busy:
            other.execute("BEGIN")
            other.execute("SELECT 1")
            busy.append(True)

    try:
        with default_through(bouncer):
            assert len(purge.run_pending(orgs.a.org.pk, on_batch=another_request_meanwhile)) == 1
        assert busy
        other.execute("COMMIT")
        # No server connection kept the lock: the next worker takes it.
        with connections["owner"].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [purge.LOCK_NAMESPACE, orgs.a.org.pk])
            assert cursor.fetchone()[0], "the purge lock stayed held on a pooled server connection"
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [purge.LOCK_NAMESPACE, orgs.a.org.pk])
    finally:
        other.close()
        bouncer.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_workers(master: subprocess.Popen) -> set[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return {int(pid) for pid in children}


@pytest.fixture
def web_behind_bouncer(orgs, tmp_path):
    """gunicorn (one sync worker, connections kept as in production) whose app
    role goes through a PgBouncer started for it; an admin's API token."""
    bouncer = start_bouncer(pool_size=2)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": bouncer.url(settings.DATABASE_APP_ROLE, database_name()),
        "DATABASE_PREPARE_THRESHOLD": "0",
        "CONN_MAX_AGE": "60",
    }
    env.pop("CONN_HEALTH_CHECKS", None)
    log = (tmp_path / "gunicorn.log").open("wb")
    master = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        env=env,
        cwd=BASE,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    with tenant_scope(orgs.a.org):
        _token, key = create_token(membership=orgs.a.members["admin"], name="pgbouncer test")
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # The worker loads Django after the master listens: the first answer may take a while.
                session.get(f"{base}/api/v1/me/", timeout=60)
                break
            except requests.ConnectionError:
                assert master.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer in 60 s"
                time.sleep(0.1)
        yield bouncer, master, session, base
    finally:
        master.send_signal(signal.SIGQUIT)  # quick shutdown: no request is in flight
        try:
            master.wait(timeout=15)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()
        log.close()
        bouncer.stop()


@pytest.mark.django_db(transaction=True)  # the web server reads committed rows
def test_requests_recover_after_pgbouncer_restarts_without_restarting_the_worker(orgs, web_behind_bouncer):
    bouncer, master, session, base = web_behind_bouncer
    ours = {orgs.a.site.pk, orgs.a.site2.pk}

    def sites():
        response = session.get(f"{base}/api/v1/sites/", timeout=10)
        ids = {site["id"] for site in response.json()["results"]} if response.status_code == 200 else None
        return response.status_code, ids

    assert sites() == (200, ours)
    assert sites() == (200, ours)
    workers = gunicorn_workers(master)

    # Restarted between two requests: the worker's kept connection is dead; the
    # health check before the next request reconnects, so no request fails.
    bouncer.restart()
    assert sites() == (200, ours)

    # Down for a while: requests made meanwhile fail at once (no hang), and the
    # first one after the restart succeeds.
    bouncer.stop()
    started = time.monotonic()
    status, _ids = sites()
    assert status >= 500 and time.monotonic() - started < 5
    bouncer.start()
    started = time.monotonic()
    assert sites() == (200, ours)
    assert time.monotonic() - started < 2
    assert gunicorn_workers(master) == workers, "a worker was restarted"
