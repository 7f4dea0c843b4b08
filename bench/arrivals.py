"""Arrival throughput and latency through POST /api/v1/visits/{id}/arrive/,
against gunicorn with 2 workers on the embedded PostgreSQL, with 100,000
visits in the database, at concurrency 1 and 8; the same server's throughput on
a trivial JSON endpoint (GET /api/v1/me/) and the ratio; the server's CPU
(gunicorn, PostgreSQL) and the SQL statements per arrival. Also times the desk
search over 100,000 visitors.

    .venv/bin/python bench/arrivals.py          # a bare organization, visits written by SQL
    .venv/bin/python bench/arrivals.py --demo   # as customers live it (below)

--demo: the demo organization's configuration (`seed_demo`: notification
rules, badge templates, consent texts; plus a watchlist, 20 sites, 300 hosts,
bench/load/seed.py), consents waived for the bench's visit type only; the
history is bulk SQL, but the visits arrived are pre-registered through the API
by hosts with their tokens, as hosts do (invitation queued and all).
"""

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.visits_common import (
    Server,
    django_env,
    fmt,
    fresh_database,
    interleaved,
    migrate,
    prepare,
    run_load,
    services_env,
    setup_django,
    today_visit_ids,
)

# Visits arrived by the run: 100 to warm up, 300 at concurrency 1, 2,000 at 8.
ARRIVALS = 2400


def search_timings(tenant: dict, url: str, key: str) -> None:
    import requests

    from sites.models import Site
    from tenancy.models import Membership
    from tenancy.scope import tenant_scope
    from visitors import selectors

    queries = ["lefevre", "hélène", "muller", "garcon dup", "electricite", "zoe rivie"]
    print("\ndesk search over 100,000 visitors (accent-insensitive, trigram index):")
    with tenant_scope(tenant["org"]):
        member = Membership.objects.get(user__email="reception@bench.test")
        site = Site.objects.get(pk=tenant["site"])
        for q in queries:
            times = []
            for _ in range(7):
                start = time.perf_counter()
                found = list(selectors.search_visitors(selectors.visitors_for(member), q)[:20])
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            print(
                f"  visitors ?q={q!r:<14} median {statistics.median(times):6.1f} ms  max {times[-1]:6.1f} ms "
                f"({len(found)} shown)"
            )
        for q in ("lefe", "zoé"):
            times = []
            for _ in range(7):
                start = time.perf_counter()
                list(selectors.desk_visits(member, site, q)[:200])
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"  desk rows ?q={q!r:<13} median {statistics.median(times):6.1f} ms (today's visits at the site)"
            )
    session = requests.Session()
    headers = {"Authorization": f"Token {key}"}
    times = []
    for q in queries * 5:
        start = time.perf_counter()
        r = session.get(f"{url}/api/v1/visitors/", params={"q": q, "limit": 20}, headers=headers, timeout=30)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, r.text
    times.sort()
    print(
        f"  GET /api/v1/visitors/?q= over HTTP: median {statistics.median(times):.1f} ms, "
        f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms ({len(times)} requests)"
    )


def prepare_demo(visits: int = 100_000):
    """The demo organization grown as in bench/load (sites, hosts, watchlist),
    `visits` of history by SQL; a receptionist of the head office with a token.
    Returns env, tenant (as `prepare`'s, plus the plan's keys)."""
    env = django_env(services_env())
    print(f"database: {env['DATABASE_URL']}")
    fresh_database(env)
    migrate(env)
    setup_django(env)
    from bench.load.seed import bulk, configure
    from tenancy.models import Membership
    from tenancy.scope import tenant_scope
    from tenancy.tokens import create_token

    started = time.perf_counter()
    t = configure()
    print(f"demo configuration in {time.perf_counter() - started:.1f} s")
    seconds = bulk(env, t, visits=visits, expected=0, on_site=0)
    print(f"generated {visits:,} visitors and past visits in {seconds:.1f} s (SQL, owner role)")
    with tenant_scope(t["org"]):
        member = Membership.objects.get(user__email=t["reception"][0])
        key = create_token(membership=member, name="bench arrivals")[1]
    return env, {**t, "site": t["hq"], "desk": t["hq_desks"][0], "key": key}


def pre_register(server: Server, tenant: dict, n: int) -> list[int]:
    """`n` visits expected now at the head office, each POSTed by one of the
    hosts (their own tokens) as the API's clients do; returns their ids."""
    keys = tenant["host_keys"]
    at = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)).isoformat()

    def build(i):
        body = {
            "site": tenant["hq"],
            "visit_type": tenant["visit_type"],
            "expected_at": at,
            "visitor": {"first_name": "Invité", "last_name": f"Arrivée {i}", "email": f"pre{i}@example.test"},
        }
        headers = {"Authorization": f"Token {keys[i % len(keys)]}", "Content-Type": "application/json"}
        return "POST", "/api/v1/visits/", headers, json.dumps(body).encode()

    result = run_load(server.url, build, list(range(n)), 4)
    print(fmt("  pre-registration by hosts (API), c4", result))
    if set(result["statuses"]) != {201}:
        raise SystemExit(f"pre-registration failed: {result['statuses']}")
    import psycopg

    with psycopg.connect(server_env["DATABASE_OWNER_URL"]) as conn:
        rows = conn.execute(
            "SELECT v.id FROM visitors_visit v JOIN visitors_visitor p ON p.id = v.visitor_id "
            "WHERE v.site_id = %s AND v.status = 'expected' AND p.email LIKE 'pre%%@example.test' ORDER BY v.id",
            [tenant["hq"]],
        ).fetchall()
    return [r[0] for r in rows]


server_env: dict = {}


def statements(tenant: dict, visit_id: int) -> None:
    """SQL statements of one arrival and of the trivial endpoint, run in this
    process through Django's test client (same settings, same database),
    counted with CaptureQueriesContext."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {tenant['key']}", secure=True)
    with CaptureQueriesContext(connection) as me:
        assert client.get("/api/v1/me/").status_code == 200
    with CaptureQueriesContext(connection) as arrival:
        response = client.post(
            f"/api/v1/visits/{visit_id}/arrive/", {"desk": tenant["desk"]}, content_type="application/json"
        )
    assert response.status_code == 200, response.content[:300]
    print(
        f"SQL statements per request (one, in-process): arrival {len(arrival.captured_queries)}, "
        f"trivial {len(me.captured_queries)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demo", action="store_true", help="the demo organization's configuration")
    parser.add_argument(
        "--gunicorn", default="", help="extra gunicorn options, e.g. '-k gthread --threads 4'"
    )
    args = parser.parse_args()
    if args.demo:
        env, tenant = prepare_demo()
        server_env.update(env)
        server = Server(env, extra=args.gunicorn.split())
        try:
            ids = pre_register(server, tenant, ARRIVALS + 1)
        except BaseException:
            server.stop()
            raise
    else:
        env, tenant = prepare(visits=100_000, today_expected=3000)
        ids = today_visit_ids(env, tenant)
        server = Server(env, extra=args.gunicorn.split())
    mode = "demo configuration" if args.demo else "bare organization"
    print(f"{mode}: {len(ids)} visits to arrive; {Path('/proc/loadavg').read_text().strip()} (load average)")
    auth = {"Authorization": f"Token {tenant['key']}"}
    body = json.dumps({"desk": tenant["desk"]}).encode()

    def arrive(visit_id):
        return (
            "POST",
            f"/api/v1/visits/{visit_id}/arrive/",
            {**auth, "Content-Type": "application/json"},
            body,
        )

    def trivial(_item):
        return "GET", "/api/v1/me/", auth, b""

    try:
        # Warm up both workers on both endpoints (imports, prepared statements,
        # and the pages the first arrivals dirty after the load's checkpoint),
        # with visits the measured runs do not use.
        run_load(server.url, trivial, list(range(50)), 2)
        run_load(server.url, arrive, ids[2300:2400], 2)
        print(
            "\nPOST /api/v1/visits/{id}/arrive/ (each visit once), then GET /api/v1/me/ (trivial, same token):"
        )
        c1 = run_load(server.url, arrive, ids[:300], 1)
        print(fmt("  arrive, concurrency 1", c1))
        t1 = run_load(server.url, trivial, list(range(300)), 1)
        print(fmt("  trivial, concurrency 1", t1))
        print("concurrency 8, four rounds each, taking turns (the machine's speed drifts within a minute):")
        c8, t8 = interleaved(
            server, env, {"arrive": (arrive, ids[300:2300]), "trivial": (trivial, list(range(2000)))}, 8
        ).values()
        arrive_cpu, trivial_cpu = c8["cpu_ms"], t8["cpu_ms"]
        print(fmt("  arrive, concurrency 8", c8))
        print(fmt("  trivial, concurrency 8", t8))
        print(
            f"server CPU per request at concurrency 8 (gunicorn workers + PostgreSQL backends): "
            f"arrive {arrive_cpu[0]:.1f} + {arrive_cpu[1]:.1f} ms, trivial {trivial_cpu[0]:.1f} + {trivial_cpu[1]:.1f} ms, "
            f"ratio {sum(trivial_cpu) / sum(arrive_cpu):.2f}"
        )
        print(
            f"\nratio arrival/trivial throughput: c1 {c1['rps'] / t1['rps']:.2f}   c8 {c8['rps'] / t8['rps']:.2f}"
        )
        statements(tenant, ids[2400])
        if args.demo:
            ratio, p95s = c8["rps"] / t8["rps"], c8["p95_ms"] / t8["p95_ms"]
            print(
                f"demo targets at concurrency 8: throughput >= 0.6x trivial: {'met' if ratio >= 0.6 else 'NOT met'} "
                f"({ratio:.2f}); p95 <= 2x trivial's: {'met' if p95s <= 2 else 'NOT met'} ({p95s:.2f}x)"
            )
        print(
            f"target p95 < 50 ms at concurrency 8: {'met' if c8['p95_ms'] < 50 else 'NOT met'} "
            f"({c8['p95_ms']:.1f} ms); ratio >= 0.5: {'met' if c8['rps'] / t8['rps'] >= 0.5 else 'NOT met'}"
        )
        # Every arrival got its own number: no gap, no duplicate.
        import psycopg

        with psycopg.connect(env["DATABASE_OWNER_URL"]) as conn:
            n, distinct, low, top = conn.execute(
                "SELECT count(*), count(DISTINCT badge_number), min(badge_number), max(badge_number) "
                "FROM visitors_visit WHERE id = ANY(%s) AND status = 'arrived'",
                [ids[:2401]],
            ).fetchone()
        print(
            f"badge numbers: {n} arrivals, {distinct} distinct, {low} to {top} "
            f"(gapless: {n == distinct == top - low + 1})"
        )
        if not args.demo:
            search_timings(tenant, server.url, tenant["key"])
        print(f"load average at the end: {Path('/proc/loadavg').read_text().strip()}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
