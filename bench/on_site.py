"""Roll call with 5,000 visitors on site: GET /api/v1/sites/{id}/on-site/
against gunicorn (2 workers) on the embedded PostgreSQL. Target p95 < 100 ms.

    .venv/bin/python bench/on_site.py
"""

import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.visits_common import Server, fmt, prepare, run_load


def main() -> int:
    env, tenant = prepare(visits=100_000, today_expected=0, on_site=5000)
    server = Server(env)
    headers = {"Authorization": f"Token {tenant['key']}"}
    url = f"{server.url}/api/v1/sites/{tenant['site2']}/on-site/"

    # The body is checked once; timed requests only read it (a client's JSON
    # parsing is not the server's latency).
    first = requests.get(url, headers=headers, timeout=30).json()
    assert len(first) == 5000, len(first)

    def roll_call(_item):
        return "GET", f"/api/v1/sites/{tenant['site2']}/on-site/", headers, b""

    try:
        run_load(server.url, roll_call, list(range(5)), 2)  # warm up
        r1 = run_load(server.url, roll_call, list(range(60)), 1)
        print(fmt("on-site 5,000 people, concurrency 1", r1))
        r4 = run_load(server.url, roll_call, list(range(60)), 4)
        print(fmt("on-site 5,000 people, concurrency 4", r4))
        print(
            f"target p95 < 100 ms (concurrency 1): {'met' if r1['p95_ms'] < 100 else 'NOT met'} ({r1['p95_ms']:.1f} ms)"
        )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
