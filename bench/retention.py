"""What the retention purge costs, against raw batched SQL on the same rows.

Loads N visits past retention (each with its own visitor identity) and N/10
attachments with a file each on local disk into one database, copies that
database (CREATE DATABASE ... TEMPLATE) and the files, then:
  - raw: batches of 1,000 visits, each one transaction of plain UPDATEs (visits
    unlinked and blanked, visitors blanked, attachments marked and their files
    removed) — the least work that anonymises the same rows;
  - purge: `retention.purge` as the nightly task runs it (plan, batches of
    1,000 through the data types, proof rows, ledger, digest, journal entry).
Prints rows/s, total time and the longest single transaction of each, and
the ratio (targets: purge >= 0.3x raw, no transaction over 1 s).

Run: .venv/bin/python bench/retention.py [N]   (default 1,000,000; starts the embedded servers)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import services_env, with_db

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
BATCH = 1000
DB_RAW, DB_PURGE = "vestibule_bench_retention_raw", "vestibule_bench_retention"


def fill_defaults(conn, table: str, given: dict) -> dict:
    """Other NOT NULL columns (added by apps later) get a neutral value."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        (table,),
    ).fetchall()
    neutral = {"boolean": "false", "integer": "0", "bigint": "0", "smallint": "0", "jsonb": "'{}'"}
    out = dict(given)
    for column, kind in rows:
        if column not in out and column != "id":
            out[column] = neutral.get(kind, "''")
    return out


def insert_select(conn, table: str, values: dict, source: str, params=()) -> None:
    values = fill_defaults(conn, table, values)
    columns = ", ".join(values)
    conn.execute(f"INSERT INTO {table} ({columns}) SELECT {', '.join(values.values())} {source}", params)


def load(owner_url: str, media: Path) -> int:
    import psycopg

    with psycopg.connect(owner_url, autocommit=True) as conn:
        org = conn.execute(
            "INSERT INTO tenancy_organization (name, slug, default_language, timezone, created_at) "
            "VALUES ('Bench', 'bench', 'fr', 'Europe/Paris', now()) RETURNING id"
        ).fetchone()[0]
        site = conn.execute(
            "INSERT INTO sites_site (organization_id, name, address, timezone, language, end_of_day, created_at) "
            "VALUES (%s, 'HQ', '', 'Europe/Paris', 'fr', '20:00', now()) RETURNING id",
            (org,),
        ).fetchone()[0]
        desk = conn.execute(
            "INSERT INTO sites_desk (organization_id, site_id, name, active) VALUES (%s, %s, 'Front', true) "
            "RETURNING id",
            (org, site),
        ).fetchone()[0]
        vtype_values = fill_defaults(
            conn,
            "visitors_visittype",
            {
                "organization_id": "%s",
                "name": "'Visiteur'",
                "i18n": """'{"name_en": "Visitor"}'::jsonb""",
                "color": "'#1f5fbf'",
                "host_required": "false",
                "approval_required": "false",
                "default_duration_minutes": "120",
                "kiosk_allowed": "true",
                "active": "true",
            },
        )
        vtype = conn.execute(
            f"INSERT INTO visitors_visittype ({', '.join(vtype_values)}) VALUES ({', '.join(vtype_values.values())}) "
            "RETURNING id",
            (org,),
        ).fetchone()[0]
        started = time.monotonic()
        insert_select(
            conn,
            "visitors_visitor",
            {
                "organization_id": str(org),
                "first_name": "'Prénom' || g",
                "last_name": "'Nom' || g",
                "email": "'p' || g || '@example.test'",
                "phone": "'+3361234' || g",
                "company": "'Acme'",
                "language": "''",
                "created_at": "now() - interval '201 days'",
            },
            "FROM generate_series(1, %s) g",
            (N,),
        )
        visit_values = {
            "organization_id": str(org),
            "site_id": str(site),
            "desk_id": str(desk),
            "visitor_id": "v.id",
            "visit_type_id": str(vtype),
            "expected_at": "now() - interval '200 days'",
            "expected_until": "now() - interval '200 days' + interval '2 hours'",
            "status": "'departed'",
            "arrived_at": "now() - interval '200 days'",
            "departed_at": "now() - interval '200 days'",
            "departure_automatic": "false",
            "cancellation_reason": "''",
            "refusal_reason": "''",
            "notes": "'Badge for ' || v.first_name",
            "token": "md5(v.id::text || random()::text)",
            "created_at": "now() - interval '201 days'",
            "updated_at": "now() - interval '200 days'",
        }
        insert_select(
            conn,
            "visitors_visit",
            visit_values,
            "FROM visitors_visitor v WHERE v.organization_id = %s",
            (org,),
        )
        insert_select(
            conn,
            "documents_attachment",
            {
                "organization_id": str(org),
                "visit_id": "v.id",
                "visitor_id": "v.visitor_id",
                "site_id": str(site),
                "kind": "'photo'",
                "storage_key": "'bench/' || v.id || '.jpg'",
                "original_name": "'photo.jpg'",
                "content_type": "'image/jpeg'",
                "size": "64",
                "sha256": "repeat('0', 64)",
                "channel": "'desk'",
                "uploaded_at": "now() - interval '200 days'",
            },
            "FROM visitors_visit v WHERE v.organization_id = %s AND v.id %% 10 = 0",
            (org,),
        )
        keys = [row[0] for row in conn.execute("SELECT storage_key FROM documents_attachment")]
        conn.execute("ANALYZE")
        print(
            f"loaded {N:,} visitors and visits, {len(keys):,} attachments in {time.monotonic() - started:.0f} s"
        )
    (media / "bench").mkdir(parents=True, exist_ok=True)
    payload = b"\xff\xd8" + b"x" * 62
    for key in keys:
        (media / key).write_bytes(payload)
    return org


def raw(url: str, media: Path, org: int) -> tuple[float, float, int]:
    import psycopg

    longest, rows = 0.0, 0
    started = time.monotonic()
    with psycopg.connect(url) as conn:
        conn.execute("SELECT set_config('app.organization_id', %s, false)", (str(org),))
        conn.commit()
        last = 0
        while True:
            t0 = time.monotonic()
            with conn.transaction():
                batch = conn.execute(
                    "SELECT id, visitor_id FROM visitors_visit WHERE organization_id = %s AND id > %s "
                    "AND expected_until < now() - interval '90 days' ORDER BY id LIMIT %s",
                    (org, last, BATCH),
                ).fetchall()
                if not batch:
                    break
                ids, visitors = [b[0] for b in batch], [b[1] for b in batch]
                files = conn.execute(
                    "SELECT id, storage_key FROM documents_attachment WHERE visit_id = ANY(%s)", (ids,)
                ).fetchall()
                for _id, key in files:
                    (media / key).unlink(missing_ok=True)
                conn.execute(
                    "UPDATE documents_attachment SET purged_at = now(), original_name = '[anonymised]', "
                    "visitor_id = NULL WHERE id = ANY(%s)",
                    ([f[0] for f in files],),
                )
                conn.execute(
                    "UPDATE visitors_visit SET visitor_id = NULL, notes = '', cancellation_reason = '', "
                    "refusal_reason = '' WHERE id = ANY(%s)",
                    (ids,),
                )
                conn.execute(
                    "UPDATE visitors_visitor SET first_name = '[anonymised]', last_name = '[anonymised]', "
                    "email = '', phone = '', company = '', anonymized_at = now() WHERE id = ANY(%s)",
                    (visitors,),
                )
                last = ids[-1]
                rows += 2 * len(ids)
            longest = max(longest, time.monotonic() - t0)
    return time.monotonic() - started, longest, rows


def purge_run(org: int) -> tuple[float, float, int]:
    import django

    django.setup()
    from retention import purge
    from retention.models import PurgeProgress
    from tenancy.scope import tenant_scope

    steps = []
    started = time.monotonic()
    with tenant_scope(org) as organization:
        run = purge.start_run(organization=organization)
    planned = time.monotonic() - started
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(purge.execute, org, run.pk, on_batch=steps.append)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    else:
        purge.execute(org, run.pk, on_batch=steps.append)
    total = time.monotonic() - started
    with tenant_scope(org):
        done = {p.data_type: p for p in PurgeProgress.objects.filter(run_id=run.pk)}
    rows = done["visits"].rows_anonymised + done["visitor_identities"].rows_anonymised
    print(
        f"purge: planning (counts) {planned:.1f} s; visits anonymised {done['visits'].rows_anonymised:,}, "
        f"identities {done['visitor_identities'].rows_anonymised:,}, files deleted "
        f"{done['visits'].objects_deleted:,}, failures {len(done['visits'].object_failures)}"
    )
    return total, max(steps, default=0.0), rows


def drop_database(conn, name: str) -> None:
    import psycopg

    try:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except psycopg.errors.InsufficientPrivilege:
        # An autovacuum worker (a superuser process) is cleaning the database
        # the run left behind: FORCE may not stop it, a plain DROP signals it.
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


def main() -> None:
    env = services_env()
    admin = with_db(env["DATABASE_OWNER_URL"], "postgres")
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        for name in (DB_RAW, DB_PURGE):
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {DB_PURGE}")
    os.environ.update(
        {
            "DATABASE_URL": with_db(env["DATABASE_URL"], DB_PURGE),
            "DATABASE_OWNER_URL": with_db(env["DATABASE_OWNER_URL"], DB_PURGE),
            "REDIS_URL": env["REDIS_URL"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=BASE, check=True, env=os.environ)
    media_purge = Path(tempfile.mkdtemp(prefix="bench-retention-"))
    media_raw = Path(tempfile.mkdtemp(prefix="bench-retention-raw-"))
    try:
        org = load(os.environ["DATABASE_OWNER_URL"], media_purge)
        shutil.copytree(media_purge, media_raw, dirs_exist_ok=True)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DB_RAW} TEMPLATE {DB_PURGE}")
        raw_time, raw_longest, raw_rows = raw(with_db(env["DATABASE_URL"], DB_RAW), media_raw, org)
        os.environ["MEDIA_ROOT"] = str(media_purge)
        os.environ["RETENTION_BATCH_SIZE"] = str(BATCH)
        purge_time, purge_longest, purge_rows = purge_run(org)
        left = sum(1 for _ in (media_purge / "bench").iterdir())
        print(f"\n{N:,} visits past retention, batches of {BATCH:,}")
        print(
            f"raw SQL : {raw_rows:,} rows in {raw_time:.1f} s = {raw_rows / raw_time:,.0f} rows/s, "
            f"longest transaction {raw_longest * 1000:.0f} ms"
        )
        print(
            f"purge   : {purge_rows:,} rows in {purge_time:.1f} s = {purge_rows / purge_time:,.0f} rows/s, "
            f"longest batch step {purge_longest * 1000:.0f} ms"
        )
        ratio = (purge_rows / purge_time) / (raw_rows / raw_time)
        print(f"ratio   : {ratio:.2f}x raw (target >= 0.3x); files left on disk: {left}")
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in (DB_RAW, DB_PURGE):
                drop_database(conn, name)
        shutil.rmtree(media_purge, ignore_errors=True)
        shutil.rmtree(media_raw, ignore_errors=True)


if __name__ == "__main__":
    main()
