"""A throw-away PostgreSQL for drills: the embedded server on a temporary
folder and a free port, with the same two roles as production, stopped and
removed afterwards."""

import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from config.embedded import EmbeddedPostgres

from . import pgtools


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def role_names() -> tuple[str, str]:
    owner = settings.DATABASES["owner"].get("USER") or "vestibule_owner"
    app = settings.DATABASE_APP_ROLE or "vestibule_app"
    return owner, app


@contextmanager
def scratch_server():
    """Yields (owner target on an empty database `vestibule`, app role name)."""
    # A short path in the system temp folder: the server's Unix socket path
    # must stay under 108 bytes.
    var = Path(tempfile.mkdtemp(prefix="vst-pg-"))
    server = EmbeddedPostgres(var, _free_port())
    try:
        server.start()
        owner, app = role_names()
        # Same role names as production: the dump's grants name them.
        server.psql(f'CREATE ROLE "{owner}" LOGIN CREATEDB BYPASSRLS')
        if app != owner:
            server.psql(f'CREATE ROLE "{app}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE')
        server.psql(f'CREATE DATABASE vestibule OWNER "{owner}"')
        yield pgtools.Target("127.0.0.1", str(server.port), "vestibule", owner), app
    finally:
        server.stop()
        shutil.rmtree(var, ignore_errors=True)


def pg_restore(dump: Path, target: pgtools.Target, major: int, jobs: int = 2, tables=()) -> None:
    """Restore a custom-format dump as the target's (owner) user. With
    `tables` (a scoped restore reads a few tables), the whole schema without
    indexes (functions and types that columns need) and only those tables' rows."""
    binary = pgtools.tool("pg_restore", major)
    base = [binary, "--no-owner", "--exit-on-error", *target.args(), "-d", target.name]
    if tables:
        runs = [
            [*base, "--section=pre-data", "--no-acl", str(dump)],
            [*base, "--section=data", "--no-acl", *[a for t in tables for a in ("-t", t)], str(dump)],
        ]
    else:
        runs = [[*base, "-j", str(jobs), str(dump)]]
    for args in runs:
        _run_restore(args, target)


def _run_restore(args, target) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=target.env(), timeout=None, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pg_restore failed: {done.stderr.strip()[:800]}")
