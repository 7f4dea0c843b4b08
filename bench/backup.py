"""What a verified backup costs compared with a bare dump and restore.

Builds a dedicated database with VISITS visits (SQL generate_series), then
times, on the same server:
  - raw:  pg_dump -Fc to a file, then pg_restore -j 2 into a fresh database;
  - ours: `manage.py backup` (pg_dump + objects + configuration capture,
          AES-256-GCM, manifest, one local destination) and
          `manage.py verify_backup` (fetch, checksums, decrypt, restore into a
          scratch PostgreSQL, row counts, journals, attachments, badges, the
          end-to-end journey).
Prints both, the ratio for the dump/restore part (target <= 1.3x), the drill's
extra checks apart, and the measured RTO.

Run: .venv/bin/python bench/backup.py [VISITS]   (default 1,000,000)
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import services_env

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

VISITS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
DB = "vestibule_bench_backup"
DEFAULTS = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "timestamp with time zone": "now()",
    "date": "current_date",
    "jsonb": "'{}'::jsonb",
    "ARRAY": "'{}'",
    "double precision": "0",
}


def insert(conn, table, given: dict, source: str, params=()) -> None:
    """INSERT ... SELECT filling every NOT NULL column without a default: the
    ones given, and a neutral value by type for the others."""
    columns = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND column_name <> 'id' ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    names = [c for c, _t in columns] + [c for c in given if c not in {c for c, _t in columns}]
    values = [given.get(c, DEFAULTS.get(t, "''")) for c, t in columns] + [
        given[c] for c in given if c not in {c for c, _t in columns}
    ]
    conn.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} {source}", params)


def timed(args, env, **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=BASE, check=True, **kwargs)
    return time.perf_counter() - started


def build(env) -> None:
    import psycopg

    admin = env["DATABASE_OWNER_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"DROP DATABASE IF EXISTS {DB}_raw")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=BASE, check=True, env=env)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createorganization",
            "--name",
            "Bench",
            "--slug",
            "bench",
            "--admin-email",
            "admin@bench.test",
            "--admin-password",
            "pw-Bench-123",
        ],
        cwd=BASE,
        check=True,
        env=env,
        capture_output=True,
    )
    started = time.perf_counter()
    with psycopg.connect(env["DATABASE_OWNER_URL"], autocommit=True) as conn:
        org = conn.execute("SELECT id FROM tenancy_organization WHERE slug = 'bench'").fetchone()[0]
        insert(
            conn,
            "sites_site",
            {
                "organization_id": "%s",
                "name": "'Site ' || g",
                "timezone": "'Europe/Paris'",
                "language": "'fr'",
                "end_of_day": "'20:00'",
            },
            "FROM generate_series(1, 20) g",
            (org,),
        )
        sites = [r[0] for r in conn.execute("SELECT id FROM sites_site WHERE organization_id = %s", (org,))]
        insert(
            conn,
            "sites_desk",
            {"organization_id": "%s", "site_id": "s.id", "name": "'Desk 1'", "active": "true"},
            "FROM sites_site s WHERE s.organization_id = %s",
            (org, org),
        )
        insert(
            conn,
            "visitors_visittype",
            {
                "organization_id": "%s",
                "name": "'Réunion'",
                "i18n": """'{"name_en": "Meeting"}'::jsonb""",
                "color": "'#1f5fbf'",
                "default_duration_minutes": "120",
                "kiosk_allowed": "true",
                "active": "true",
            },
            "",
            (org,),
        )
        vt = conn.execute("SELECT id FROM visitors_visittype WHERE organization_id = %s", (org,)).fetchone()[
            0
        ]
        insert(
            conn,
            "visitors_visitor",
            {
                "organization_id": "%s",
                "first_name": "'Prénom' || g",
                "last_name": "'Nom' || g",
                "email": "'v' || g || '@example.org'",
            },
            "FROM generate_series(1, %s) g",
            (org, VISITS // 4),
        )
        first_visitor = conn.execute("SELECT min(id) FROM visitors_visitor").fetchone()[0]
        insert(
            conn,
            "visitors_visit",
            {
                "organization_id": "%s",
                "site_id": f"(ARRAY{sites})[1 + g %% {len(sites)}]",
                "visitor_id": f"{first_visitor} + g %% {VISITS // 4}",
                "visit_type_id": str(vt),
                "expected_at": "now() - (g || ' minutes')::interval",
                "expected_until": "now() - (g || ' minutes')::interval + interval '2 hours'",
                "status": "'departed'",
                "token": "md5(g::text) || md5((g + 1)::text)",
            },
            "FROM generate_series(1, %s) g",
            (org, VISITS),
        )
        conn.execute("ANALYZE")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    print(
        f"database: {VISITS:,} visits, {VISITS // 4:,} visitors, {size} (built in {time.perf_counter() - started:.1f} s)"
    )


def main() -> None:
    env = {**os.environ, **services_env(DB), "DJANGO_SETTINGS_MODULE": "config.settings"}
    work = Path(tempfile.mkdtemp(prefix="vst-bench-"))
    env.update(
        {
            "BACKUP_KEYS": "bench:" + base64.b64encode(os.urandom(32)).decode(),
            "BACKUP_DIR": str(work / "backups"),
            "BACKUP_WORK_DIR": str(work / "tmp"),
            "MEDIA_ROOT": str(work / "media"),
        }
    )
    build(env)
    from backups.pgtools import Target, tool

    owner = Target.from_url(env["DATABASE_OWNER_URL"])
    import psycopg

    with owner.connect() as conn:
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    pg_dump, pg_restore = tool("pg_dump", major), tool("pg_restore", major)
    raw_file = work / "raw.dump"
    raw_dump = timed([pg_dump, "-Fc", *owner.args(), "-f", str(raw_file), owner.name], owner.env())
    with psycopg.connect(owner.with_name("postgres").url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DB}_raw")
    raw_restore = timed(
        [pg_restore, "--no-owner", "-j", "2", *owner.args(), "-d", f"{DB}_raw", str(raw_file)], owner.env()
    )
    with psycopg.connect(owner.with_name("postgres").url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {DB}_raw")
    backup = timed([sys.executable, "manage.py", "backup"], env, stdout=subprocess.DEVNULL)
    drill_out = work / "drill.txt"
    with open(drill_out, "w") as out:
        drill = timed([sys.executable, "manage.py", "verify_backup"], env, stdout=out)
    code = (
        "from backups.models import DrillReport; import json; r = DrillReport.objects.latest('started_at'); "
        "print(json.dumps({'ok': r.ok, 'rto': r.rto_seconds, 'checks': r.checks}))"
    )
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env=env,
        cwd=BASE,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads([line for line in shell.stdout.splitlines() if line.startswith("{")][-1])
    seconds = {c["name"]: c["seconds"] for c in report["checks"]}
    restore_part = sum(
        seconds.get(k, 0)
        for k in (
            "fetch",
            "checksums_and_decrypt",
            "start_scratch_server",
            "restore_database",
            "restore_objects",
        )
    )
    checks_part = drill - restore_part
    raw = raw_dump + raw_restore
    ours = backup + restore_part
    print(f"raw pg_dump -Fc:                 {raw_dump:8.1f} s ({raw_file.stat().st_size / 1e6:.0f} MB)")
    print(f"raw pg_restore -j 2:             {raw_restore:8.1f} s")
    print(f"manage.py backup:                {backup:8.1f} s")
    print(f"manage.py verify_backup:         {drill:8.1f} s (drill {'passed' if report['ok'] else 'FAILED'})")
    print(f"  of which fetch+decrypt+restore {restore_part:8.1f} s")
    print(f"  of which checks and journey    {checks_part:8.1f} s")
    for name, value in seconds.items():
        print(f"    {name:<28} {value:8.2f} s")
    print(f"dump/restore: ours {ours:.1f} s vs raw {raw:.1f} s: ratio {ours / raw:.2f}x (target <= 1.3x)")
    print(f"measured RTO (fetch + checks + decrypt + restore): {report['rto']:.1f} s")
    subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
