"""Arrival throughput and latency through POST /api/v1/visits/{id}/arrive/,
against gunicorn with 2 workers on the embedded PostgreSQL, with 100,000
visits in the database, at concurrency 1 and 8; the same server's throughput on
a trivial JSON endpoint (GET /api/v1/me/) and the ratio. Also times the desk
search over 100,000 visitors.

    .venv/bin/python bench/arrivals.py
"""

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.visits_common import Server, fmt, interleaved, prepare, run_load, today_visit_ids


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


def main() -> int:
    env, tenant = prepare(visits=100_000, today_expected=3000)
    ids = today_visit_ids(env, tenant)
    server = Server(env)
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
        print(
            f"target p95 < 50 ms at concurrency 8: {'met' if c8['p95_ms'] < 50 else 'NOT met'} "
            f"({c8['p95_ms']:.1f} ms); ratio >= 0.5: {'met' if c8['rps'] / t8['rps'] >= 0.5 else 'NOT met'}"
        )
        # Every arrival got its own number: no gap, no duplicate.
        import psycopg

        with psycopg.connect(env["DATABASE_OWNER_URL"]) as conn:
            n, distinct, top = conn.execute(
                "SELECT count(*), count(DISTINCT badge_number), max(badge_number) FROM visitors_visit "
                "WHERE site_id = %s AND status = 'arrived'",
                [tenant["site"]],
            ).fetchone()
        print(
            f"badge numbers: {n} arrivals, {distinct} distinct, highest {top} (gapless: {n == distinct == top})"
        )
        search_timings(tenant, server.url, tenant["key"])
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
