"""What row-level security costs a list endpoint.

Loads 10,000 sites in one organization and 100,000 in others, then times the
same query two ways, each inside a transaction, many times:
  - as the application role, with the tenant scope set (RLS policy applied);
  - as the owner role (BYPASSRLS), with the organization filter written by hand.
Then times the HTTP list endpoint /api/v1/sites/ (first page, through Django)
for the scoped role. Prints medians, p95 and the ratio (target: overhead ≤ 10 %).

Run: .venv/bin/python bench/tenancy_overhead.py   (starts the embedded servers)
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import services_env

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

ROWS_OWN, ROWS_OTHERS, OTHER_ORGS, REPEAT = 10_000, 100_000, 10, 300
DB = "vestibule_bench"


def main() -> None:
    env = services_env(DB)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    owner_admin = env["DATABASE_OWNER_URL"].rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(owner_admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=BASE, check=True, env=os.environ)

    with psycopg.connect(env["DATABASE_OWNER_URL"], autocommit=True) as conn:
        orgs = [
            conn.execute(
                "INSERT INTO tenancy_organization (name, slug, default_language, timezone, created_at) "
                "VALUES (%s, %s, 'fr', 'Europe/Paris', now()) RETURNING id",
                (f"Org {i}", f"org-{i}"),
            ).fetchone()[0]
            for i in range(OTHER_ORGS + 1)
        ]
        own = orgs[0]
        conn.execute(
            "INSERT INTO sites_site (organization_id, name, address, timezone, language, end_of_day, created_at) "
            "SELECT %s, 'Site ' || g, '', 'Europe/Paris', 'fr', '20:00', now() FROM generate_series(1, %s) g",
            (own, ROWS_OWN),
        )
        for org in orgs[1:]:
            conn.execute(
                "INSERT INTO sites_site (organization_id, name, address, timezone, language, end_of_day, created_at)"
                " SELECT %s, 'Site ' || g, '', 'Europe/Paris', 'fr', '20:00', now() FROM generate_series(1, %s) g",
                (org, ROWS_OTHERS // OTHER_ORGS),
            )
        conn.execute("ANALYZE")

    query = "SELECT id, name, timezone FROM sites_site WHERE organization_id = %s ORDER BY name LIMIT 50"
    count_query = "SELECT count(*) FROM sites_site WHERE organization_id = %s"

    def timed(url):
        samples = []
        with psycopg.connect(url) as conn:
            for _ in range(REPEAT):
                start = time.perf_counter()
                with conn.transaction():
                    # Both runs set the scope (same round trips); the owner role
                    # has BYPASSRLS, so only the policy's cost differs.
                    conn.execute("SELECT set_config('app.organization_id', %s, true)", (str(own),))
                    conn.execute(count_query, (own,)).fetchone()
                    rows = conn.execute(query, (own,)).fetchall()
                samples.append(time.perf_counter() - start)
                assert len(rows) == 50
        return samples

    timed(env["DATABASE_URL"])  # warm-up
    rls = timed(env["DATABASE_URL"])
    plain = timed(env["DATABASE_OWNER_URL"])

    print(
        f"sites: {ROWS_OWN:,} in the organization, {ROWS_OTHERS:,} in {OTHER_ORGS} others; {REPEAT} runs each"
    )
    a = line("SQL, app role + scope + RLS", rls)
    b = line("SQL, owner role (BYPASSRLS), same statements", plain)
    print(f"RLS overhead on the query: {(a / b - 1) * 100:+.1f} %  (target <= 10 %)")

    # The list endpoint end to end, served once with each role.
    http = {}
    for label, url in (
        ("app role + RLS", env["DATABASE_URL"]),
        ("owner role, no RLS", env["DATABASE_OWNER_URL"]),
    ):
        out = subprocess.run(
            [sys.executable, __file__, "--http", str(own)],
            cwd=BASE,
            check=True,
            text=True,
            capture_output=True,
            env={**os.environ, "DATABASE_URL": url},
        ).stdout
        http[label] = [float(x) for x in out.split()]
    c = line("GET /api/v1/sites/, app role + scope + RLS", http["app role + RLS"])
    d = line("GET /api/v1/sites/, owner role, no RLS", http["owner role, no RLS"])
    print(f"RLS overhead on the endpoint: {(c / d - 1) * 100:+.1f} %  (target <= 10 %)")


def line(label, samples):
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95)]
    print(f"{label:<48} median {statistics.median(samples) * 1000:7.3f} ms   p95 {p95 * 1000:7.3f} ms")
    return statistics.median(samples)


def http_samples(org_id: int) -> None:
    """Child process: time the endpoint with whatever DATABASE_URL it was given."""
    import django

    django.setup()
    from django.test import Client

    from tenancy.models import Membership, Organization, User
    from tenancy.scope import tenant_scope

    org = Organization.objects.get(pk=org_id)
    user = User.objects.filter(email="bench@bench.test").first() or User.objects.create_user(
        "bench@bench.test", "pw-bench-123"
    )
    with tenant_scope(org):
        Membership.objects.get_or_create(organization=org, user=user, defaults={"role": "admin"})
    client = Client()
    client.force_login(user)
    samples = []
    for i in range(220):
        start = time.perf_counter()
        response = client.get("/api/v1/sites/")
        if i >= 20:  # warm-up
            samples.append(time.perf_counter() - start)
        assert response.status_code == 200 and len(response.json()["results"]) == 50
    print(" ".join(f"{x:.6f}" for x in samples))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--http"]:
        http_samples(int(sys.argv[2]))
    else:
        main()
