"""Debian's PgBouncer in transaction pooling mode in front of a PostgreSQL server,
for the CI pass through a pooler (`VESTIBULE_PGBOUNCER=1 make test`) and the tests
that prove the application behaves behind one (tests/test_pgbouncer.py).

Every database of the server is reachable through it (a `*` entry), so the test
databases that pytest creates per xdist worker are too. It trusts loopback
clients as the embedded server does; only the roles in its user list may log in.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg

from .embedded import APP_ROLE, OWNER_ROLE, _open_path_for, system_user

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
ROLES = (APP_ROLE, OWNER_ROLE, "postgres")


def installed() -> bool:
    return os.access(BINARY, os.X_OK)


class PgBouncer:
    def __init__(
        self,
        folder: Path,
        server_host: str,
        server_port: int,
        *,
        pool_size: int = 20,
    ):
        self.folder = folder
        self.server_host, self.server_port = server_host or "127.0.0.1", int(server_port or 5432)
        self.pool_size = pool_size
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        # PgBouncer refuses to run as root: it runs as the embedded server's user.
        self.user = system_user()

    @property
    def ini(self) -> Path:
        return self.folder / "pgbouncer.ini"

    @property
    def log(self) -> Path:
        return self.folder / "pgbouncer.log"

    def _write_config(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "userlist.txt").write_text("".join(f'"{role}" ""\n' for role in ROLES))
        self.ini.write_text(
            "[databases]\n"
            f"* = host={self.server_host} port={self.server_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            # No Unix socket: two worktrees' bouncers would fight over /tmp/.s.PGSQL.*.
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.folder / 'userlist.txt'}\n"
            f"admin_users = {OWNER_ROLE}, postgres\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "max_client_conn = 500\n"
            f"logfile = {self.log}\n"
            "log_connections = 0\n"
            "log_disconnections = 0\n"
        )
        if self.user:
            _open_path_for(self.folder)
            for path in (self.folder, *self.folder.iterdir()):
                shutil.chown(path, self.user)

    def start(self) -> None:
        """Start on a free loopback port (the same one again on a restart)."""
        if self.port is None:
            # A port of the system's choosing: xdist workers start theirs at the same time.
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        self._write_config()
        self.process = subprocess.Popen(
            [BINARY, str(self.ini)],
            user=self.user,
            group=self.user,
            extra_groups=[] if self.user else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited at start: {self._log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        tail = self._log_tail()
        self.stop()
        raise RuntimeError(f"pgbouncer did not listen on 127.0.0.1:{self.port}: {tail}")

    def _log_tail(self) -> str:
        return self.log.read_text()[-2000:] if self.log.exists() else "(no log)"

    def stop(self) -> None:
        """Immediate shutdown (SIGTERM): open client connections are cut, as in a
        crash. Its files go too; `start()` writes them again."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def url(self, role: str, database: str) -> str:
        return f"postgres://{role}@127.0.0.1:{self.port}/{database}"


def release(admin_url: str, database: str) -> None:
    """Close PgBouncer's server connections to `database` so it can be dropped
    (the pool keeps them open after the clients leave); new clients may come back."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        # The admin console speaks only the simple query protocol: no parameters.
        admin.execute(f'KILL "{database}"', prepare=False)
        admin.execute(f'RESUME "{database}"', prepare=False)
