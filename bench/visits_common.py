"""Shared set-up for the benchmarks: a dedicated database (`vestibule_bench`,
dropped and re-created each run) on the embedded PostgreSQL, bulk data written
with SQL as the owner role, and a gunicorn server started with the project's
production command (2 workers)."""

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import common
import psycopg
import requests

BASE = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
# Another name lets two benchmarks keep their databases (make load's takes minutes to seed).
BENCH_DB = os.environ.get("VESTIBULE_BENCH_DB", "vestibule_bench")


def services_env() -> dict[str, str]:
    """Start (or reuse) the embedded servers; point the URLs at the bench database."""
    return common.services_env(BENCH_DB)


def fresh_database(env: dict[str, str]) -> None:
    admin_url = env["DATABASE_OWNER_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def django_env(env: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        **env,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        # The request budgets (tenancy/throttle.py) still count every request,
        # so their cost is measured, but a bench's one member and one address
        # play a whole reception: they must not be refused.
        **{f"RATE_LIMIT_{name}": "1000000000/min" for name in ("MEMBER", "MEMBER_SEARCH", "IP", "IP_SEARCH")},
    }


def migrate(env: dict[str, str]) -> None:
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE, env=env, check=True)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE, env=env, check=True)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(BASE))
    import django

    django.setup()


class Server:
    def __init__(self, env: dict[str, str], port: int | None = None, workers: int = 2, extra=()):
        import socket

        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "--log-level",
                "error",
                *extra,
            ],
            cwd=BASE,
            env=env,
        )
        for _ in range(200):
            try:
                requests.get(self.url + "/login/", timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body


def run_load(server_url: str, build: Callable[[object], Request], items: list, concurrency: int) -> dict:
    """`concurrency` clients, each sending the request built for the next item and
    waiting for its answer; returns throughput (requests/s), median and p95
    latency (ms) and status counts.

    The clients are coroutines on one thread speaking plain HTTP/1.1: the load
    generator shares the server's two cores, and threads with an HTTP library
    spent several milliseconds of CPU per request (and waited on each other's
    GIL before reading the clock), which counted as server latency."""
    host, port = server_url.removeprefix("http://").split(":")
    return asyncio.run(_load(host, int(port), build, list(items), concurrency))


async def _load(host: str, port: int, build, queue: list, concurrency: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def client():
        while queue:
            method, path, headers, body = build(queue.pop())
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            raw = (
                f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n"
                f"{head}\r\n"
            ).encode() + body
            start = time.perf_counter()
            status = await _exchange(host, port, raw)
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    return summary(latencies, wall, statuses)


def summary(latencies: list[float], wall: float, statuses: dict[int, int]) -> dict:
    latencies = sorted(latencies)
    return {
        "n": len(latencies),
        "rps": len(latencies) / wall,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "statuses": statuses,
        "latencies": latencies,
        "wall": wall,
    }


def interleaved(
    server: "Server", env: dict[str, str], loads: dict, concurrency: int, rounds: int = 4
) -> dict:
    """`loads` ({name: (build, items)}) run in `rounds` slices each, taking turns,
    at `concurrency`; per name, the merged figures and the server CPU per request
    (gunicorn, PostgreSQL). This machine's speed drifts by up to 1.5x within a
    minute: endpoints measured one after the other compare that drift, taking
    turns exposes them to the same one."""
    merged = {name: {"latencies": [], "wall": 0.0, "statuses": {}, "cpu": [0.0, 0.0]} for name in loads}
    for r in range(rounds):
        for name, (build, items) in loads.items():
            size = len(items) // rounds
            before = cpu_snapshot(server, env)
            result = run_load(server.url, build, items[r * size : (r + 1) * size], concurrency)
            spent = cpu_since(before, cpu_snapshot(server, env))
            into = merged[name]
            into["latencies"] += result["latencies"]
            into["wall"] += result["wall"]
            for status, count in result["statuses"].items():
                into["statuses"][status] = into["statuses"].get(status, 0) + count
            into["cpu"] = [c + d for c, d in zip(into["cpu"], spent, strict=True)]
    out = {}
    for name, into in merged.items():
        figures = summary(into["latencies"], into["wall"], into["statuses"])
        figures["cpu_ms"] = tuple(c / figures["n"] * 1000 for c in into["cpu"])
        out[name] = figures
    return out


async def _exchange(host: str, port: int, raw: bytes) -> int:
    """One request on its own connection (gunicorn's sync workers close it after
    each response); the whole body is read."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        status = int((await reader.readline()).split()[1])
        length = None
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            await reader.read()
        else:
            await reader.readexactly(length)
        return status
    finally:
        writer.close()


def server_cpu(server: "Server", env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds used so far by the gunicorn workers and by the PostgreSQL
    backends of the bench database: unlike latency, it does not depend on what
    else the machine is doing, so it compares two endpoints fairly on a busy
    machine. Two readings are subtracted per process (`cpu_since`): a backend
    that ends between them (CONN_MAX_AGE) would otherwise take the CPU it used
    before the first reading out of the difference."""
    web, pg = cpu_snapshot(server, env)
    return sum(web.values()), sum(pg.values())


def cpu_snapshot(server: "Server", env: dict[str, str]) -> tuple[dict[int, float], dict[int, float]]:
    """Per process: CPU seconds of the gunicorn workers, of the app role's backends."""
    workers = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    # The application's backends, by their process title (the owner role may not
    # read other roles' rows of pg_stat_activity).
    title = f"postgres: {env['DATABASE_URL'].split('//')[1].split('@')[0].split(':')[0]} {BENCH_DB} ".encode()
    backends = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "cmdline").read_bytes().startswith(title):
                backends.append(int(proc.name))
        except OSError:
            continue
    return _cpus(int(p) for p in workers), _cpus(backends)


def cpu_since(before, after) -> tuple[float, float]:
    """CPU seconds between two `cpu_snapshot`s, process by process (a process
    born in between counts from zero; one gone in between counts nothing)."""
    return tuple(sum(t - b.get(pid, 0.0) for pid, t in a.items()) for b, a in zip(before, after, strict=True))


def _cpus(pids) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _cpu(pids) -> float:
    return sum(_cpus(pids).values())


def cpu_per_request(before: tuple[float, float], after: tuple[float, float], n: int) -> tuple[float, float]:
    """Milliseconds of (gunicorn, PostgreSQL) CPU per request between two readings."""
    return tuple((a - b) / n * 1000 for a, b in zip(after, before, strict=True))


def fmt(name: str, r: dict) -> str:
    return (
        f"{name:<34} n={r['n']:<5} {r['rps']:7.1f} req/s   median {r['median_ms']:6.1f} ms   "
        f"p95 {r['p95_ms']:6.1f} ms   statuses {r['statuses']}"
    )


FIRST = [
    "Hélène",
    "Zoé",
    "Jérôme",
    "François",
    "Noémie",
    "Loïc",
    "Maëlle",
    "Céline",
    "Amélie",
    "Benoît",
    "Anaïs",
    "Gaëtan",
    "Inès",
    "Léa",
    "Raphaël",
    "Chloé",
    "Théo",
    "Élodie",
    "Mathéo",
    "Sébastien",
]
SYLLABLES = [
    "Le",
    "Fè",
    "Vre",
    "Mü",
    "Ller",
    "Du",
    "Pré",
    "Bé",
    "Zier",
    "Gar",
    "Çon",
    "Ri",
    "Viè",
    "Re",
    "Che",
    "Va",
    "Lier",
    "Fa",
    "Bré",
    "Mo",
]
COMPANIES = [
    "Électricité Rhône",
    "Société Générale d'Études",
    "Boulangerie Crémieux",
    "Transports Gérard",
    "Nettoyage Éclat",
    "Acier Léger",
    "Cabinet Dupré",
    "Informatique Sûre",
    "Forêts & Cie",
    "Hôtel Azur",
]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def make_tenant(env: dict[str, str]):
    """Organization, two sites with a desk each, a reception member with an
    API token (perimeter: both sites). Returns ids and the key."""
    from sites import services as sites
    from tenancy.models import Role
    from tenancy.scope import tenant_scope
    from tenancy.services import add_member, create_organization
    from tenancy.tokens import create_token
    from visitors import configuration

    org = create_organization(
        name="Bench", slug="bench", admin_email="admin@bench.test", admin_password="bench-Pass-123"
    )
    with tenant_scope(org):
        from django.contrib.auth import get_user_model

        site = sites.create_site(organization=org, name="Bench HQ", timezone="Europe/Paris")
        site2 = sites.create_site(organization=org, name="Bench Plant", timezone="Europe/Paris")
        desk = sites.create_desk(site=site, name="Desk 1")
        sites.create_desk(site=site2, name="Desk 1")
        user = get_user_model().objects.create_user(
            "reception@bench.test", "bench-Pass-123", full_name="Rita Desk"
        )
        member = add_member(organization=org, user=user, role=Role.RECEPTION, sites=[site, site2])
        host_user = get_user_model().objects.create_user(
            "host@bench.test", "bench-Pass-123", full_name="Hugo Hôte"
        )
        host = add_member(organization=org, user=host_user, role=Role.HOST)
        vtype = configuration.save_visit_type(organization=org, name_fr="Visiteur", name_en="Visitor")
        _token, key = create_token(membership=member, name="bench")
    return {
        "org": org.pk,
        "site": site.pk,
        "site2": site2.pk,
        "desk": desk.pk,
        "host": host.pk,
        "visit_type": vtype.pk,
        "key": key,
    }


def bulk_data(
    env: dict[str, str], t: dict, *, visits: int = 100_000, today_expected: int = 3000, on_site: int = 0
) -> float:
    """Visitors and visits with INSERT ... SELECT generate_series as the owner
    (which bypasses row-level security). `today_expected` visits at the first
    site are expected now (for arrivals); `on_site` visits at the second site are
    arrived (for the roll call); the rest is a year of departed history."""
    started = time.perf_counter()
    first, syl, comp = _array(FIRST), _array(SYLLABLES), _array(COMPANIES)
    with psycopg.connect(env["DATABASE_OWNER_URL"], autocommit=True) as conn:
        conn.execute(
            f"""
            INSERT INTO visitors_visitor (organization_id, first_name, last_name, email, phone, company,
                                          language, created_at)
            SELECT %(org)s, ({first})[1 + i %% 20],
                   ({syl})[1 + i %% 20] || lower(({syl})[1 + (i / 20) %% 20]) || lower(({syl})[1 + (i / 400) %% 20]),
                   'v' || i || '@example.test', '', ({comp})[1 + (i / 7) %% 10], 'fr', now()
            FROM generate_series(1, %(n)s) AS i
            """,
            {"org": t["org"], "n": visits},
        )
        conn.execute(
            """
            WITH v AS (
                SELECT id, row_number() OVER (ORDER BY id) AS i FROM visitors_visitor WHERE organization_id = %(org)s
            )
            INSERT INTO visitors_visit (organization_id, site_id, visitor_id, host_id, visit_type_id,
                expected_at, expected_until, status, arrived_at, departed_at, departure_automatic,
                cancellation_reason, refusal_reason, notes, override_reason, token, created_at, updated_at,
                arrived_desk_id, desk_id, badge_number, badge_day)
            SELECT %(org)s,
                   CASE WHEN i <= %(today)s THEN %(site)s WHEN i <= %(today)s + %(onsite)s THEN %(site2)s
                        ELSE (CASE WHEN i %% 2 = 0 THEN %(site)s ELSE %(site2)s END) END,
                   id, %(host)s, %(vtype)s,
                   CASE WHEN i <= %(today)s + %(onsite)s THEN now() - interval '30 minutes'
                        ELSE now() - (1 + i %% 365) * interval '1 day' END,
                   CASE WHEN i <= %(today)s + %(onsite)s THEN now() + interval '3 hours'
                        ELSE now() - (1 + i %% 365) * interval '1 day' + interval '2 hours' END,
                   CASE WHEN i <= %(today)s THEN 'expected' WHEN i <= %(today)s + %(onsite)s THEN 'arrived'
                        ELSE 'departed' END,
                   CASE WHEN i <= %(today)s THEN NULL WHEN i <= %(today)s + %(onsite)s THEN now() - interval '20 minutes'
                        ELSE now() - (1 + i %% 365) * interval '1 day' END,
                   CASE WHEN i <= %(today)s + %(onsite)s THEN NULL
                        ELSE now() - (1 + i %% 365) * interval '1 day' + interval '1 hour' END,
                   false, '', '', '', '', md5(random()::text || i), now(), now(),
                   NULL, NULL,
                   CASE WHEN i > %(today)s AND i <= %(today)s + %(onsite)s THEN (i - %(today)s) END,
                   CASE WHEN i > %(today)s AND i <= %(today)s + %(onsite)s THEN current_date - 1 END
            FROM v
            """,
            {
                "org": t["org"],
                "site": t["site"],
                "site2": t["site2"],
                "host": t["host"],
                "vtype": t["visit_type"],
                "today": today_expected,
                "onsite": on_site,
            },
        )
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def today_visit_ids(env: dict[str, str], t: dict) -> list[int]:
    with psycopg.connect(env["DATABASE_OWNER_URL"]) as conn:
        rows = conn.execute(
            "SELECT id FROM visitors_visit WHERE organization_id = %s AND site_id = %s AND status = 'expected' "
            "ORDER BY id",
            [t["org"], t["site"]],
        ).fetchall()
    return [r[0] for r in rows]


def prepare(*, visits: int = 100_000, today_expected: int = 3000, on_site: int = 0):
    env = django_env(services_env())
    print(f"database: {env['DATABASE_URL']}")
    fresh_database(env)
    migrate(env)
    setup_django(env)
    tenant = make_tenant(env)
    seconds = bulk_data(env, tenant, visits=visits, today_expected=today_expected, on_site=on_site)
    print(f"generated {visits:,} visitors and {visits:,} visits in {seconds:.1f} s (SQL, owner role)")
    return env, tenant
