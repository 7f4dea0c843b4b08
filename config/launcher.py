"""`make run` and `make test`: start what is needed, run, clean up.

    python -m config.launcher run          # web + worker + beat, embedded servers
    python -m config.launcher test [ARGS]  # pytest on real PostgreSQL and Redis
    VESTIBULE_PGBOUNCER=1 python -m config.launcher test [ARGS]
                                           # the same, the app role through PgBouncer

With DATABASE_URL (and DATABASE_OWNER_URL) / REDIS_URL in the environment, those
servers are used and nothing embedded is started.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from . import pgbouncer
from .embedded import APP_ROLE, OWNER_ROLE, EmbeddedPostgres, EmbeddedRedis, port_free

BASE = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("VESTIBULE_VAR_DIR", BASE / "var"))
PY = sys.executable
BIN = Path(PY).parent


def say(message: str) -> None:
    print(f"[vestibule] {message}", flush=True)


class Services:
    """The embedded servers this process started (and must stop)."""

    def __init__(self):
        self.started: list = []
        self.env: dict[str, str] = {}

    def up(self, redis_db: int = 0) -> dict[str, str]:
        run_dir = VAR / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        if os.environ.get("DATABASE_URL"):
            self.env["DATABASE_URL"] = os.environ["DATABASE_URL"]
            self.env["DATABASE_OWNER_URL"] = os.environ.get("DATABASE_OWNER_URL", os.environ["DATABASE_URL"])
            say("PostgreSQL: using DATABASE_URL")
        else:
            pg = EmbeddedPostgres(VAR, int(os.environ.get("VESTIBULE_PG_PORT", "55432")))
            if pg.start():
                self.started.append(pg)
                say(f"PostgreSQL {pg.bin.parent.name}: started on 127.0.0.1:{pg.port} (data in {pg.data})")
            else:
                say(f"PostgreSQL: already running on 127.0.0.1:{pg.port}")
            pg.bootstrap()
            self.env["DATABASE_URL"] = pg.url(APP_ROLE)
            self.env["DATABASE_OWNER_URL"] = pg.url(OWNER_ROLE)
            (run_dir / "database.url").write_text(self.env["DATABASE_URL"])
            (run_dir / "database_owner.url").write_text(self.env["DATABASE_OWNER_URL"])
        if os.environ.get("REDIS_URL"):
            self.env["REDIS_URL"] = os.environ["REDIS_URL"]
            say("Redis: using REDIS_URL")
        else:
            redis = EmbeddedRedis(VAR, int(os.environ.get("VESTIBULE_REDIS_PORT", "56379")))
            if redis.start():
                self.started.append(redis)
                say(f"Redis: started on 127.0.0.1:{redis.port}")
            else:
                say(f"Redis: already running on 127.0.0.1:{redis.port}")
            self.env["REDIS_URL"] = redis.url(redis_db)
            (run_dir / "redis.url").write_text(redis.url(0))
        return self.env

    def through_pgbouncer(self) -> None:
        """Send the application role through PgBouncer in transaction pooling mode;
        the owner (migrations, test databases, backups) keeps its direct line.

        Named prepared statements live in one server session, which transaction
        pooling hands to another client after each transaction: preparing is off.
        Server-side binding stays on (it uses the unnamed statement, sent with
        its parameters in the same round trip)."""
        direct = urlsplit(self.env["DATABASE_URL"])
        bouncer = pgbouncer.PgBouncer(VAR / "pgbouncer" / f"run-{os.getpid()}", direct.hostname, direct.port)
        bouncer.start()
        self.started.append(bouncer)
        userinfo = direct.netloc.rpartition("@")[0]
        self.env["DATABASE_URL"] = urlunsplit(direct._replace(netloc=f"{userinfo}@127.0.0.1:{bouncer.port}"))
        self.env["DATABASE_PREPARE_THRESHOLD"] = "0"
        owner = urlsplit(self.env["DATABASE_OWNER_URL"]).username or OWNER_ROLE
        self.env["VESTIBULE_PGBOUNCER_ADMIN_URL"] = bouncer.url(owner, "pgbouncer")
        upstream = f"{direct.hostname}:{direct.port}"
        say(f"PgBouncer (transaction pooling): 127.0.0.1:{bouncer.port} in front of {upstream}")

    def down(self) -> None:
        for server in reversed(self.started):
            server.stop()
            say(f"{type(server).__name__.removeprefix('Embedded')}: stopped")
        if self.started:
            for name in ("database.url", "database_owner.url", "redis.url"):
                (VAR / "run" / name).unlink(missing_ok=True)


KEY_ID_PREFIX = "make-run"


class SetupError(Exception):
    """Something `make run` cannot start without; the message says how to fix it."""


def backup_key(var: Path, environ) -> str:
    """The path of the file holding the backup key (BACKUP_KEYS_FILE), made on
    the first start into var/backup.key (mode 0600).

    Refuses to start, saying how to fix it, when the key file is unreadable or
    malformed, or when it is missing while backups sealed with it exist: a
    fresh key would make every nightly backup unreadable with the old one, and
    quietly starting without a key would skip the backups."""
    # Imported when asked: the launcher starts before Django and loads no app up front.
    from backups.crypto import BackupKeyError, new_key_text, parse_keys

    if environ.get("BACKUP_KEYS") and not environ.get("BACKUP_KEYS_FILE"):
        return ""
    given = environ.get("BACKUP_KEYS_FILE")
    path = Path(given) if given else var / "backup.key"
    where = f"BACKUP_KEYS_FILE={path}" if given else str(path)
    if not path.exists():
        backups = var / "backups"
        if given or (backups.is_dir() and any(backups.iterdir())):
            held = f" while {backups} holds backups sealed with it" if not given else ""
            raise SetupError(
                f"The backup key file {where} is missing{held}. Put the key file back where it was "
                f"(from the place you moved it to), or point BACKUP_KEYS_FILE at it: "
                f"`BACKUP_KEYS_FILE=/path/to/backup.key make run`. Without it, no backup can be read "
                f"or made. To start over with a new key and no backups, remove {backups}."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(new_key_text(f"{KEY_ID_PREFIX}-{stamp}") + "\n")
        say(f"Backup key created: {path} (mode 0600).")
        say("  Move it off this machine for real use (a password manager, a safe): whoever holds it")
        say("  reads every backup, and without it no backup can be restored. Then start with")
        say("  `BACKUP_KEYS_FILE=/where/it/is make run`.")
        return str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SetupError(
            f"The backup key file {where} cannot be read ({exc.strerror}). Give it to the user "
            f"running `make run` with `chmod 600 {path}` (and `chown` if another user owns it)."
        ) from exc
    try:
        keys = parse_keys(text.strip())
    except BackupKeyError as exc:
        raise SetupError(
            f"The backup key file {where} is not a backup key ({exc}). Restore the file you saved, "
            f"or write a new key with `.venv/bin/python manage.py backup --new-key ID > {path}` "
            f"(backups sealed with the old key will no longer be readable)."
        ) from exc
    if not keys:
        raise SetupError(
            f"The backup key file {where} is empty. Restore the file you saved, or write a new key with "
            f"`.venv/bin/python manage.py backup --new-key ID > {path}`."
        )
    return str(path)


def first_backup(env) -> None:
    """The first backup and its restore drill, right after the demo seed, so the
    backups page has something true to show; later ones are beat's nightly run.
    A failure is said loudly, never skipped in silence."""
    done = manage(env, "backup", "--if-none", check=False)
    if done.returncode != 0:
        say("The first backup FAILED (see above): the backups page will say so. Fix it, then run")
        say("`.venv/bin/python manage.py backup` or restart `make run`.")
        return
    done = manage(env, "verify_backup", "--if-none", check=False)
    if done.returncode != 0:
        say("The restore drill of the first backup FAILED (see above): the backups page shows its report.")


def manage(env, *args, check=True):
    return subprocess.run([PY, str(BASE / "manage.py"), *args], env=env, check=check, cwd=BASE)


def run() -> int:
    port = int(os.environ.get("PORT", "8000"))
    if not port_free(port, "127.0.0.1") or not port_free(port, "0.0.0.0"):  # noqa: S104
        say(f"Port {port} is already in use. Set PORT to another port, e.g. `PORT={port + 1} make run`.")
        return 2
    services = Services()
    children: list[subprocess.Popen] = []
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        try:
            key_file = backup_key(VAR, os.environ)
        except SetupError as exc:
            say(str(exc))
            return 2
        env = {**os.environ, **services.up()}
        if key_file:
            env["BACKUP_KEYS_FILE"] = key_file
        env.setdefault("DJANGO_ENV", "development")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--if-empty")
        first_backup(env)
        commands = {
            "web": [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            "worker": [str(BIN / "celery"), "-A", "config", "worker", "-l", "info", "-c", "2"],
            "beat": [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "-l",
                "info",
            ],
        }
        for command in commands.values():
            children.append(subprocess.Popen(command, env=env, cwd=BASE))
        # Imported when asked: the launcher starts before Django and loads no app up front.
        from tenancy.demo import PASSWORD, demo_logins

        print()
        say(f"Vestibule is running: http://127.0.0.1:{port}/")
        say(f"Demo logins (password for all: {PASSWORD}):")
        for org, role, email in demo_logins():
            say(f"  {org:<8} {role:<11} {email}")
        hour, minute = int(os.environ.get("BACKUP_HOUR", "2")), int(os.environ.get("BACKUP_MINUTE", "15"))
        at = f"{hour:02d}:{minute:02d} UTC"
        say(f"Backups: every night at {at} into {VAR / 'backups'}; key: {key_file or 'BACKUP_KEYS'}.")
        say("Press Ctrl-C to stop the web server, worker, beat, PostgreSQL and Redis.")
        while not stopping:
            if any(child.poll() is not None for child in children):
                say("A process stopped unexpectedly; shutting down.")
                break
            time.sleep(0.5)
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        services.down()


def test_workers() -> int:
    """How many pytest-xdist workers `make test` uses: VESTIBULE_TEST_WORKERS
    (default 2), at most one per core. On this 2-core machine the suite takes
    5 min 41 s on two workers against 10 min 6 s serial (same window): half its
    time is waiting on PostgreSQL and Chromium, which the other worker fills."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, int(os.environ.get("VESTIBULE_TEST_WORKERS", "2"))))


def parallel_args(args: list[str]) -> list[str]:
    """pytest-xdist options for a run, unless the caller chose (`-n`, `-p no:xdist`,
    `--dist`) or targets a single file, where starting workers costs more than it
    saves. `--dist loadgroup` hands out tests one by one in collection order, so
    each worker still runs pytest-django's transactional tests after the others;
    modules that must stay on one worker say so with `xdist_group`."""
    chosen = ("-n", "--numprocesses", "--dist", "--pdb", "--trace")
    if any(arg in chosen or arg.startswith(("-n", "--numprocesses=", "--dist=")) for arg in args):
        return []
    if any(arg.endswith("no:xdist") for arg in args):
        return []
    files = {arg.split("::")[0] for arg in args if not arg.startswith("-")}
    targets = [Path(BASE, name) for name in files if Path(BASE, name).exists()]
    if len(targets) == 1 and targets[0].is_file():
        return []
    workers = test_workers()
    return ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else []


def test(args: list[str]) -> int:
    services = Services()
    try:
        services.up(redis_db=15)
        if os.environ.get("VESTIBULE_PGBOUNCER", "") not in ("", "0"):
            services.through_pgbouncer()
        env = {**os.environ, **services.env, "DJANGO_ENV": "test"}
        extra = parallel_args(args)
        if extra:
            say(f"pytest on {extra[1]} workers (pytest-xdist); serial: `-n 0` or VESTIBULE_TEST_WORKERS=1")
        code = subprocess.run([PY, "-m", "pytest", *extra, *args], env=env, cwd=BASE).returncode
        if code == 5:
            say("pytest collected no tests: that is a failure.")
            return 1
        return code
    finally:
        services.down()


def services_only() -> int:
    """Start the embedded servers and print their URLs (for benchmarks, shells)."""
    env = Services().up()
    for key, value in env.items():
        print(f"export {key}={value}")
    return 0


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(BASE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    command = argv[0] if argv else "run"
    if command == "run":
        return run()
    if command == "test":
        return test(argv[1:])
    if command == "services":
        return services_only()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
