"""Arrivals of one organization with badge printing from 8 desks at once.

    .venv/bin/python bench/badge_desks.py [--visits 320] [--desks 8]

The organization has the demo's configuration (its notification rules, with
"Arrivée → hôte" writing to the host on every arrival, its badge templates with
a logo, a watchlist entry); `--visits` visits are expected today at one site.
Each of 8 clients is a desk: it arrives the next visit at its own desk
(POST /api/v1/visits/{id}/arrive/) and then prints the badge
(POST /api/v1/visits/{id}/badge/print/, which records the print and answers
with the PDF), as a site that prints badges does. Every write of the
organization takes its journal's head row, so whatever runs while it is held
(rendering a message, drawing a PDF) makes the other desks wait.

The trivial endpoint (GET /api/v1/me/, same token) is measured in the same
run, at the same concurrency, for the ratio; the load average is printed
because the machine may be shared.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.visits_common import (
    Server,
    _exchange,
    cpu_per_request,
    fmt,
    prepare,
    run_load,
    server_cpu,
    today_visit_ids,
)


def demo_configuration(tenant: dict, desks: int) -> list[int]:
    """The demo's notification rules, badge templates and a watchlist entry, as
    `manage.py seed_demo` writes them (the apps' own seed hooks), and desks
    1..n at the first site. Returns the desks' ids."""
    from badges import demo as badges_demo
    from notifications.signals import seed_demo as notifications_demo
    from sites import services as sites
    from sites.models import Desk, Site
    from tenancy.models import Organization
    from tenancy.scope import tenant_scope
    from visitors import configuration

    with tenant_scope(tenant["org"]):
        org = Organization.objects.get(pk=tenant["org"])
        notifications_demo(org)
        badges_demo.seed(org)
        configuration.add_watchlist_entry(
            organization=org, first_name="Mallory", last_name="Intrus", reason="Banned after an incident"
        )
        site = Site.objects.get(pk=tenant["site"])
        for n in range(2, desks + 1):
            sites.create_desk(site=site, name=f"Desk {n}")
        return list(Desk.objects.filter(site=site).order_by("pk").values_list("pk", flat=True))[:desks]


class LockWaits:
    """Samples, from another connection, how many backends of the bench
    database wait for a lock (pg_locks, not granted): while a request holds the
    journal head, the other desks' writes show up here."""

    def __init__(self, env: dict[str, str], every: float = 0.005):
        import threading

        self.url, self.every = env["DATABASE_OWNER_URL"], every
        self.samples: list[int] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stopping.is_set():
                (waiting,) = conn.execute(
                    # A row lock's waiter waits on the holder's transaction id: a lock
                    # with no database, hence the join on the backend.
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE NOT l.granted AND a.datname = current_database()"
                ).fetchone()
                self.samples.append(waiting)
                time.sleep(self.every)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()

    def summary(self) -> str:
        n = len(self.samples) or 1
        busy = sum(1 for s in self.samples if s)
        return (
            f"lock waits: a backend was waiting in {100 * busy / n:.1f} % of {len(self.samples)} samples "
            f"(mean {sum(self.samples) / n:.2f} waiting)"
        )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * p) - 1, 0)]


async def desks_load(host: str, port: int, auth: dict, desk_ids: list[int], visits: list[int]) -> dict:
    """One client per desk: arrival, then the badge print, for the next visit."""
    arrivals, badges = [], []
    statuses: dict[str, dict[int, int]] = {"arrive": {}, "badge": {}}
    queue = list(visits)

    async def call(method: str, path: str, body: bytes) -> tuple[int, float]:
        head = "".join(f"{k}: {v}\r\n" for k, v in {**auth, "Content-Type": "application/json"}.items())
        raw = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n{head}\r\n"
        ).encode() + body
        start = time.perf_counter()
        status = await _exchange(host, port, raw)
        return status, time.perf_counter() - start

    async def desk(desk_id: int):
        body = json.dumps({"desk": desk_id}).encode()
        while queue:
            visit = queue.pop()
            status, seconds = await call("POST", f"/api/v1/visits/{visit}/arrive/", body)
            arrivals.append(seconds)
            statuses["arrive"][status] = statuses["arrive"].get(status, 0) + 1
            status, seconds = await call("POST", f"/api/v1/visits/{visit}/badge/print/", body)
            badges.append(seconds)
            statuses["badge"][status] = statuses["badge"].get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(desk(d) for d in desk_ids))
    wall = time.perf_counter() - started
    return {"n": len(arrivals), "wall": wall, "arrivals": arrivals, "badges": badges, "statuses": statuses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=320, help="arrivals measured (each with its badge)")
    parser.add_argument("--desks", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (production: 2)")
    parser.add_argument("--history", type=int, default=20_000, help="past visits in the database")
    args = parser.parse_args()

    warm = 2 * args.desks
    env, tenant = prepare(visits=args.history, today_expected=args.visits + warm)
    desk_ids = demo_configuration(tenant, args.desks)
    ids = today_visit_ids(env, tenant)
    server = Server(env, workers=args.workers)
    auth = {"Authorization": f"Token {tenant['key']}"}
    host, port = server.url.removeprefix("http://").split(":")

    def trivial(_item):
        return "GET", "/api/v1/me/", auth, b""

    try:
        # Warm-up (imports, fonts, prepared statements) with visits not measured.
        run_load(server.url, trivial, list(range(40)), 2)
        asyncio.run(desks_load(host, int(port), auth, desk_ids[:2], ids[:warm]))

        load_before = os.getloadavg()
        cpu = server_cpu(server, env)
        t8 = run_load(server.url, trivial, list(range(1000)), args.desks)
        trivial_cpu = cpu_per_request(cpu, server_cpu(server, env), t8["n"])

        cpu = server_cpu(server, env)
        with LockWaits(env) as waits:
            d = asyncio.run(desks_load(host, int(port), auth, desk_ids, ids[warm : warm + args.visits]))
        desk_cpu = cpu_per_request(cpu, server_cpu(server, env), d["n"])
        load_after = os.getloadavg()

        pairs = d["n"] / d["wall"]
        print(
            f"\n{args.desks} desks, {args.workers} gunicorn workers, {d['n']} arrivals each followed by its badge print (PDF), one organization:"
        )
        print(
            f"  arrival + badge: {pairs:6.1f} visits/s ({2 * pairs:.1f} requests/s)   statuses "
            f"arrive {d['statuses']['arrive']} badge {d['statuses']['badge']}"
        )
        for name in ("arrivals", "badges"):
            values = d[name]
            print(
                f"  {name:<9} median {statistics.median(values) * 1000:6.1f} ms   "
                f"p95 {percentile(values, 0.95) * 1000:6.1f} ms   max {max(values) * 1000:6.1f} ms"
            )
        print("  " + waits.summary())
        print(fmt(f"GET /api/v1/me/, concurrency {args.desks}", t8))
        print(
            f"server CPU per arrival + badge (gunicorn workers + PostgreSQL backends): "
            f"{desk_cpu[0]:.1f} + {desk_cpu[1]:.1f} ms; trivial {trivial_cpu[0]:.1f} + {trivial_cpu[1]:.1f} ms"
        )
        print(
            f"ratio vs trivial: requests/s {2 * pairs / t8['rps']:.2f}, visits/s {pairs / t8['rps']:.2f}; "
            f"arrival median {statistics.median(d['arrivals']) * 1000 / t8['median_ms']:.1f}x the trivial's"
        )
        print(
            "load average (1, 5, 15 min): before "
            + " ".join(f"{x:.2f}" for x in load_before)
            + ", after "
            + " ".join(f"{x:.2f}" for x in load_after)
            + f" on {os.cpu_count()} CPUs"
        )
        import psycopg

        with psycopg.connect(env["DATABASE_OWNER_URL"]) as conn:
            printed, messages, rendered = conn.execute(
                "SELECT (SELECT count(*) FROM badges_badgeprint), (SELECT count(*) FROM notifications_message "
                "WHERE event = 'visit.arrived'), (SELECT count(*) FROM notifications_message "
                "WHERE event = 'visit.arrived' AND body <> '')"
            ).fetchone()
        print(f"badge prints recorded: {printed}; arrival messages: {messages} ({rendered} rendered)")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
