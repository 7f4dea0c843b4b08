"""How fast the CSV export is, against PostgreSQL's own COPY.

Loads N visits (default 1,000,000) in one organization and as many in another,
with SQL as the owner role in a dedicated database (two seconds apart, ending
yesterday, so that they are inside the default 30-day consultation period and
every row is exported), then:
  - runs the project's export task (`reports.tasks.run_export`, all columns of
    the visits dataset) in a worker subprocess, as the application role under
    row-level security, writing to a temporary storage folder;
  - runs the same SELECT (the one the export's queryset compiles to) through
    `COPY (SELECT ...) TO STDOUT WITH CSV`, same role, same scope, to a file.
Prints rows/s, wall time, the worker's peak RSS, and the ratio.
Targets: export >= 0.5x COPY's speed, worker peak RSS <= 200 MB.

Every column of the visits dataset is rendered by SQL, so the task has
PostgreSQL write the records with COPY too (reports.streaming.copy_records) and
adds the byte-order mark, the header and CR LF line ends; the other datasets'
exports go through the Python writer. The ratio therefore measures what the
task adds around COPY: claiming, counting, CR LF, hashing, storing the file.

Run: .venv/bin/python bench/exports.py [--rows N] [--reuse]   (starts the embedded servers)
`--reuse` keeps the database a previous run loaded with the same N (loading a
million rows twice takes minutes); anything else reloads it.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import services_env

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

DB = "vestibule_bench_exports"


def load(owner_url: str, rows: int) -> tuple[int, int]:
    """Two organizations of `rows` visits each; returns (organization, admin membership)."""
    import psycopg

    with psycopg.connect(owner_url, autocommit=True) as conn:
        first = None
        for n in (1, 2):
            org = conn.execute(
                "INSERT INTO tenancy_organization (name, slug, default_language, timezone, created_at) "
                "VALUES (%s, %s, 'fr', 'Europe/Paris', now()) RETURNING id",
                (f"Bench {n}", f"bench-{n}"),
            ).fetchone()[0]
            sites = [
                conn.execute(
                    "INSERT INTO sites_site (organization_id, name, address, timezone, language, end_of_day, "
                    "created_at) VALUES (%s, %s, '', %s, 'fr', '20:00', now()) RETURNING id",
                    (org, f"Site {s}", tz),
                ).fetchone()[0]
                for s, tz in enumerate(("Europe/Paris", "America/Montreal", "Europe/Paris"))
            ]
            desks = [
                conn.execute(
                    "INSERT INTO sites_desk (organization_id, site_id, name, active) VALUES (%s, %s, %s, true) "
                    "RETURNING id",
                    (org, site, f"Accueil {site}"),
                ).fetchone()[0]
                for site in sites
            ]
            members = []
            for m in range(20):
                user = conn.execute(
                    "INSERT INTO tenancy_user (password, is_superuser, email, full_name, language, is_active, "
                    "is_staff, is_platform_support, date_joined) VALUES ('!', false, %s, %s, 'fr', true, false, "
                    "false, now()) RETURNING id",
                    (f"m{m}@bench-{n}.test", f"Hôte Numéro {m}"),
                ).fetchone()[0]
                members.append(
                    conn.execute(
                        "INSERT INTO tenancy_membership (organization_id, user_id, role, is_active, created_at) "
                        "VALUES (%s, %s, %s, true, now()) RETURNING id",
                        (org, user, "admin" if m == 0 else "host"),
                    ).fetchone()[0]
                )
            types = [
                conn.execute(
                    "INSERT INTO visitors_visittype (organization_id, name, i18n, color, host_required, "
                    "approval_required, default_duration_minutes, kiosk_allowed, active) VALUES "
                    "(%s, %s, jsonb_build_object('name_en', %s::text), '#1f5fbf', true, false, 120, true, true) "
                    "RETURNING id",
                    (org, name, name),
                ).fetchone()[0]
                for name in ("Réunion", "Livraison", "Entretien")
            ]
            visitors = max(1000, rows // 5)
            conn.execute(
                "INSERT INTO visitors_visitor (organization_id, first_name, last_name, email, phone, company, "
                "language, created_at) SELECT %s, 'Élodie' || g, CASE WHEN g %% 50 = 0 THEN '=HYPERLINK(1)' "
                "ELSE 'Lefèvre-' || g END, 'v' || g || '@example.test', '+336' || lpad(g::text, 8, '0'), "
                "'Société; \"Acme\" ' || (g %% 97), 'fr', now() FROM generate_series(1, %s) g",
                (org, visitors),
            )
            low, high = conn.execute(
                "SELECT min(id), max(id) FROM visitors_visitor WHERE organization_id = %s", (org,)
            ).fetchone()
            conn.execute(
                "INSERT INTO visitors_visit (organization_id, site_id, desk_id, visitor_id, host_id, visit_type_id, "
                "expected_at, expected_until, status, arrived_at, arrived_desk_id, departed_at, departure_automatic, "
                "cancellation_reason, refusal_reason, notes, override_reason, token, created_at, updated_at) "
                "SELECT %(org)s, (%(sites)s::bigint[])[1 + g %% 3], (%(desks)s::bigint[])[1 + g %% 3], "
                "%(low)s + (g %% (%(high)s - %(low)s + 1)), (%(members)s::bigint[])[1 + g %% 20], "
                "(%(types)s::bigint[])[1 + g %% 3], t, t + interval '2 hours', "
                "CASE WHEN g %% 10 = 0 THEN 'no_show' ELSE 'departed' END, "
                "CASE WHEN g %% 10 = 0 THEN NULL ELSE t + interval '5 minutes' END, "
                "CASE WHEN g %% 10 = 0 THEN NULL ELSE (%(desks)s::bigint[])[1 + g %% 3] END, "
                "CASE WHEN g %% 10 = 0 THEN NULL ELSE t + interval '95 minutes' END, false, '', '', "
                "CASE WHEN g %% 7 = 0 THEN E'Note ligne 1\\nligne 2' ELSE '' END, '', "
                "md5(%(org)s || '-' || g), t - interval '3 days', t "
                "FROM (SELECT g, now() - interval '1 day' - (g * interval '2 seconds') AS t "
                "FROM generate_series(1, %(rows)s) g) s",
                {
                    "org": org,
                    "sites": sites,
                    "desks": desks,
                    "members": members,
                    "types": types,
                    "low": low,
                    "high": high,
                    "rows": rows,
                },
            )
            if first is None:
                first = (org, members[0])
        conn.execute("VACUUM ANALYZE")
    return first


def previous(owner_admin: str, owner_url: str, rows: int) -> tuple[int, int] | None:
    """(organization, admin membership) of a database loaded with `rows` visits
    in each organization, or None. Migrations run again in case some were added."""
    import psycopg

    with psycopg.connect(owner_admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            return None
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0", "--skip-checks"],
        cwd=BASE,
        check=True,
        env=os.environ,
    )
    with psycopg.connect(owner_url) as conn:
        found = conn.execute(
            "SELECT o.slug, o.id, (SELECT min(m.id) FROM tenancy_membership m "
            "WHERE m.organization_id = o.id AND m.role = 'admin'), "
            "(SELECT count(*) FROM visitors_visit v WHERE v.organization_id = o.id) "
            "FROM tenancy_organization o"
        ).fetchall()
    counts = {slug: (org, admin, count) for slug, org, admin, count in found}
    if set(counts) != {"bench-1", "bench-2"} or any(count != rows for _o, _a, count in counts.values()):
        return None
    org, admin, _count = counts["bench-1"]
    return org, admin


def worker(org_id: int, admin_id: int, media: str, result_path: str) -> None:
    """Child process: queue an export of every column and run the project's task."""
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()
    from django.db import connection

    from config.exports import get_dataset
    from reports import tasks
    from reports.filters import select
    from reports.models import ExportJob
    from tenancy.models import Membership
    from tenancy.scope import tenant_scope

    columns = [c.key for c in get_dataset("visits").columns]
    with tenant_scope(org_id):
        admin = Membership.objects.select_related("organization").get(pk=admin_id)
        job = ExportJob.objects.create(
            organization_id=org_id, requested_by=admin, dataset="visits", columns=columns, language="fr"
        )
        sql, params = select("visits", admin, {}, columns).values().query.sql_with_params()
        copy_sql = connection.ops.compose_sql(sql, params) if params else sql
    start = time.perf_counter()
    tasks.run_export.apply(args=(org_id, job.pk), throw=True)
    elapsed = time.perf_counter() - start
    with tenant_scope(org_id):
        job.refresh_from_db()
    Path(result_path).write_text(
        json.dumps(
            {
                "status": job.status,
                "rows": job.rows_done,
                "size": job.size,
                "seconds": elapsed,
                "copy_sql": copy_sql,
                "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def copy(app_url: str, org_id: int, sql: str, target: Path) -> tuple[float, int]:
    import psycopg

    start = time.perf_counter()
    size = 0
    with psycopg.connect(app_url) as conn, conn.transaction(), target.open("wb") as out:
        conn.execute("SELECT set_config('app.organization_id', %s, true)", (str(org_id),))
        with conn.cursor().copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')") as stream:
            for chunk in stream:
                out.write(chunk)
                size += len(chunk)
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run of N rows")
    args = parser.parse_args()
    env = services_env(DB)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    owner_admin = env["DATABASE_OWNER_URL"].rsplit("/", 1)[0] + "/postgres"
    import psycopg

    loaded = previous(owner_admin, env["DATABASE_OWNER_URL"], args.rows) if args.reuse else None
    if loaded:
        org_id, admin_id = loaded
        print(f"reusing {args.rows:,} visits in each of 2 organizations")
    else:
        with psycopg.connect(owner_admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0", "--skip-checks"],
            cwd=BASE,
            check=True,
            env=os.environ,
        )
        started = time.perf_counter()
        org_id, admin_id = load(env["DATABASE_OWNER_URL"], args.rows)
        print(
            f"loaded {args.rows:,} visits in each of 2 organizations in {time.perf_counter() - started:.1f} s"
        )

    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        wall = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--worker", str(org_id), str(admin_id), tmp, str(result)],
            cwd=BASE,
            check=True,
            env=os.environ,
        )
        wall = time.perf_counter() - wall
        figures = json.loads(result.read_text())
        assert figures["status"] == "done" and figures["rows"] == args.rows, figures
        copy_seconds, copy_size = copy(
            env["DATABASE_URL"], org_id, figures["copy_sql"], Path(tmp) / "copy.csv"
        )

    rows = figures["rows"]
    export_rate, copy_rate = rows / figures["seconds"], rows / copy_seconds
    print(
        f"export task: {rows:,} rows, {figures['size'] / 1e6:.1f} MB in {figures['seconds']:.2f} s "
        f"= {export_rate:,.0f} rows/s (worker process wall time {wall:.2f} s incl. start-up)"
    )
    print(f"worker peak RSS: {figures['peak_rss_kb'] / 1024:.0f} MB (target <= 200 MB)")
    print(
        f"COPY (same SELECT) TO STDOUT WITH CSV: {copy_size / 1e6:.1f} MB in {copy_seconds:.2f} s "
        f"= {copy_rate:,.0f} rows/s"
    )
    print(f"ratio export / COPY: {export_rate / copy_rate:.2f}x (target >= 0.5x)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        main()
