"""Benchmark: 10,000 arrivals with a rule that e-mails the host.

    .venv/bin/python bench/notifications.py [--events 10000] [--workers 2] [--backlog]

1. Starts (or reuses) the embedded PostgreSQL and Redis (`config.launcher
   services`), creates a scratch database and migrates it.
2. Starts a local SMTP server (aiosmtpd, its own process) and N real
   `celery worker` processes on a private queue of the embedded Redis.
3. Creates an organization, a rule "visit.arrived -> the host, by e-mail" and
   N visits, then registers every arrival through visitors.services.arrive,
   each in its own transaction, as desks do: the send-log row is written in
   the arrival's transaction and its task queued after commit.
4. Waits until every message is `sent`, then prints messages/s and the outbox
   delay (event -> sent) median and p95, and drops the scratch database.

With --backlog the arrivals are all registered before the workers start, so
messages/s is the drain rate of the workers rather than the arrival rate.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE = Path(__file__).resolve().parent.parent
PY = sys.executable
# This file is bench/notifications.py: keep it from shadowing the app.
sys.path[0] = str(BASE)

SMTP_SERVER = """
import asyncio, signal, sys
from aiosmtpd.controller import Controller
class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"
c = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
signal.sigwait({signal.SIGTERM, signal.SIGINT})
c.stop()
print(Count.n, flush=True)
"""


def services() -> dict[str, str]:
    out = subprocess.run(
        [PY, "-m", "config.launcher", "services"], cwd=BASE, capture_output=True, text=True, check=True
    ).stdout
    return dict(
        line.removeprefix("export ").split("=", 1) for line in out.splitlines() if line.startswith("export ")
    )


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_sql(owner_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_database(owner_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def prepare(events: int):
    """Organization, rule and visits; returns (org id, [visit ids], desk id)."""
    import datetime

    from django.utils import timezone

    from notifications.services import save_rule
    from sites import services as sites
    from tenancy.scope import tenant_scope
    from tenancy.services import create_organization
    from visitors.models import Visit, Visitor, VisitType

    org = create_organization(
        name="Bench", slug="bench", admin_email="admin@bench.test", admin_password="bench-Pass-2026"
    )
    with tenant_scope(org):
        from tenancy.models import Membership

        host = Membership.objects.get()
        site = sites.create_site(organization=org, name="Bench site")
        desk = sites.create_desk(site=site, name="Accueil")
        save_rule(organization=org, name="Arrivée → hôte", event="visit.arrived", to_host=True, by_email=True)
        kind = VisitType.objects.create(
            organization=org, name_fr="Visiteur", name_en="Visitor", host_required=False
        )
        now = timezone.now()
        visitors = Visitor.objects.bulk_create(
            Visitor(organization=org, first_name="Hélène", last_name=f"Bench{i}", company="Acme")
            for i in range(events)
        )
        visits = Visit.objects.bulk_create(
            Visit(
                organization=org,
                site=site,
                visitor=v,
                host=host,
                visit_type=kind,
                expected_at=now,
                expected_until=now + datetime.timedelta(hours=2),
            )
            for v in visitors
        )
    return org.pk, [v.pk for v in visits], desk.pk


def arrive_all(org_id: int, visit_ids: list[int], desk_id: int) -> float:
    """One transaction per arrival, as at a desk. Returns the seconds taken."""
    from sites.models import Desk
    from tenancy.scope import tenant_scope
    from visitors import services as visits
    from visitors.models import Visit

    started = time.monotonic()
    for visit_id in visit_ids:
        with tenant_scope(org_id):
            visit = Visit.objects.select_related("site", "visitor").get(pk=visit_id)
            visits.arrive(visit=visit, desk=Desk.objects.get(pk=desk_id))
    return time.monotonic() - started


def wait_until_sent(org_id: int, expected: int, timeout: float) -> None:
    from notifications.models import Message
    from tenancy.scope import tenant_scope

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_scope(org_id):
            done = Message.objects.filter(status="sent").count()
            failed = Message.objects.filter(status="failed").count()
        if done + failed >= expected:
            if failed:
                print(f"warning: {failed} message(s) failed")
            return
        time.sleep(0.5)
    raise SystemExit(f"timeout: {done}/{expected} sent after {timeout:.0f} s")


def figures(org_id: int) -> dict:
    from notifications.models import Message
    from tenancy.scope import tenant_scope

    with tenant_scope(org_id):
        rows = list(Message.objects.filter(status="sent").values_list("created_at", "sent_at"))
    delays = sorted((sent - created).total_seconds() for created, sent in rows)
    first, last = min(c for c, _s in rows), max(s for _c, s in rows)
    return {
        "sent": len(rows),
        "span": (last - first).total_seconds(),
        "median": statistics.median(delays),
        "p95": delays[int(len(delays) * 0.95) - 1],
        "max": delays[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--backlog",
        action="store_true",
        help="register every arrival before starting the workers: how fast a backlog drains",
    )
    args = parser.parse_args()

    urls = services()
    scratch = f"vestibule_bench_{os.getpid()}"
    smtp_port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
        "DATABASE_URL": with_database(urls["DATABASE_URL"], scratch),
        "DATABASE_OWNER_URL": with_database(urls["DATABASE_OWNER_URL"], scratch),
        "REDIS_URL": urls["REDIS_URL"].rsplit("/", 1)[0] + "/14",
        "NOTIFICATIONS_QUEUE": f"bench-notifications-{os.getpid()}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
    }
    admin_sql(urls["DATABASE_OWNER_URL"], f'CREATE DATABASE "{scratch}"')
    children: list[subprocess.Popen] = []
    smtp = None
    try:
        print(f"migrating scratch database {scratch} ...", flush=True)
        subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=BASE, env=env, check=True)
        smtp = subprocess.Popen(
            [PY, "-c", SMTP_SERVER, str(smtp_port)], env=env, stdout=subprocess.PIPE, text=True
        )
        assert smtp.stdout.readline().strip() == "ready"
        os.environ.update(env)
        import django

        django.setup()
        org_id, visit_ids, desk_id = prepare(args.events)
        # Fresh tables have no planner statistics; production tables do.
        import psycopg

        with psycopg.connect(env["DATABASE_OWNER_URL"], autocommit=True) as conn:
            conn.execute("ANALYZE")
        if args.backlog:
            arrival_seconds = arrive_all(org_id, visit_ids, desk_id)
            print(f"backlog of {args.events} arrivals registered in {arrival_seconds:.1f} s", flush=True)
        for i in range(args.workers):
            children.append(
                subprocess.Popen(
                    [
                        str(Path(PY).parent / "celery"),
                        "-A",
                        "config",
                        "worker",
                        "--pool",
                        "solo",
                        "-Q",
                        env["NOTIFICATIONS_QUEUE"],
                        "-n",
                        f"bench{i}@%h",
                        "-l",
                        "error",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    cwd=BASE,
                    env=env,
                    stdout=subprocess.DEVNULL,
                )
            )
        if not args.backlog:
            time.sleep(3)  # workers connect to the broker
        print(f"{args.events} arrivals, {args.workers} workers, SMTP on 127.0.0.1:{smtp_port}", flush=True)
        started = time.monotonic()
        if not args.backlog:
            arrival_seconds = arrive_all(org_id, visit_ids, desk_id)
            rate = args.events / arrival_seconds
            print(f"arrivals registered in {arrival_seconds:.1f} s ({rate:.0f}/s)", flush=True)
        wait_until_sent(org_id, args.events, args.timeout)
        total = time.monotonic() - started
        result = figures(org_id)
        if args.backlog:
            print(f"all {result['sent']} messages sent {total:.1f} s after the workers started")
            print(f"throughput: {result['sent'] / total:.0f} messages/s (backlog drain)")
        else:
            print(f"all {result['sent']} messages sent {total:.1f} s after the first arrival")
            print(f"throughput: {result['sent'] / result['span']:.0f} messages/s (first event to last send)")
        print(
            f"outbox delay (event -> sent): median {result['median'] * 1000:.0f} ms, "
            f"p95 {result['p95'] * 1000:.0f} ms, max {result['max'] * 1000:.0f} ms"
        )
        return 0
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if smtp is not None:
            smtp.terminate()
            received = smtp.communicate(timeout=20)[0].strip()
            print(f"SMTP server received {received} messages")
        from django.db import connections

        connections.close_all()
        admin_sql(urls["DATABASE_OWNER_URL"], f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
