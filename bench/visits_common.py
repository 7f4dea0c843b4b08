"""Shared set-up for the benchmarks: a dedicated database (`vestibule_bench`,
dropped and re-created each run) on the embedded PostgreSQL, bulk data written
with SQL as the owner role, and a gunicorn server started with the project's
production command (2 workers)."""

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import common
import psycopg
import requests

BASE = Path(__file__).resolve().parent.parent
PY = sys.executable
BIN = Path(PY).parent
BENCH_DB = "vestibule_bench"


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
    def __init__(self, env: dict[str, str], port: int | None = None, workers: int = 2):
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


def run_load(make_request, items: list, concurrency: int) -> dict:
    """Each worker thread takes the next item and times one request; returns
    throughput (requests/s), median and p95 latency (ms) and status counts."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    queue = list(items)

    def worker():
        session = requests.Session()
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            start = time.perf_counter()
            status = make_request(session, item)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "n": len(latencies),
        "rps": len(latencies) / wall,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "statuses": statuses,
    }


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
        conn.execute("ANALYZE")
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
