"""`make load`: a head office's morning against the production command.

Seeds its own database (`vestibule_bench` on the embedded PostgreSQL, dropped
and re-created: `make run`'s demo data is never touched), starts gunicorn with
the production settings and command (as bench/arrivals.py does) and a Celery
worker as `make run` does, runs bench/load/locustfile.py headless and bounded,
then prints per request type throughput, median, p95, p99 and errors, the
server's CPU per request, and the targets of issue 20.

    .venv/bin/python bench/load/run.py --users 50 --seconds 60 --visits 1000000
    .venv/bin/python bench/load/run.py --reuse ...   # the seeded database again (pools shrink)

Why its own server rather than the one `make run` started: the run needs the
head office's data (1M visits, 5,000 on site, 300 hosts), tokens and signed QR
codes made with the server's SECRET_KEY, and production settings; a `make run`
server has the small demo, DEBUG on and a development key.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.visits_common import (
    BASE,
    BIN,
    Server,
    _cpu,
    cpu_since,
    cpu_snapshot,
    django_env,
    fresh_database,
    migrate,
    services_env,
    setup_django,
)

HERE = Path(__file__).resolve().parent
PLAN = BASE / "var" / "bench" / "load-plan.json"
INTERACTIVE = [
    "desk list",
    "desk search",
    "desk arrival",
    "desk departure",
    "desk scan",
    "kiosk start",
    "kiosk name search",
    "kiosk arrival",
    "kiosk QR arrival",
    "roll call",
    "host pre-registration",
]
TARGET_MS = {"badge PDF": 500, **dict.fromkeys(INTERACTIVE, 300)}


def worker_cpu(process: subprocess.Popen) -> float:
    """The Celery worker: its main process and its pool's children."""
    pid = process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return _cpu([pid, *map(int, children)])


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=1_000_000, help="past visits (history)")
    parser.add_argument("--on-site", type=int, default=5000)
    parser.add_argument("--expected", type=int, default=8000, help="visits expected now at the head office")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database and plan")
    parser.add_argument(
        "--gunicorn", default="", help="extra gunicorn options, e.g. '-k gthread --threads 4'"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--classes", default="", help="only these Locust user classes, e.g. 'DeskClient Kiosk Host Security'"
    )
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server (settings)")
    args = parser.parse_args()

    env = django_env(services_env())
    env.update(kv.split("=", 1) for kv in args.env)
    print(f"database: {env['DATABASE_URL']}   load average {loadavg()}")
    if not (args.reuse and PLAN.exists()):
        started = time.perf_counter()
        fresh_database(env)
        migrate(env)
        setup_django(env)
        from bench.load.seed import seed

        PLAN.parent.mkdir(parents=True, exist_ok=True)
        plan = seed(env, visits=args.visits, expected=args.expected, on_site=args.on_site, out=PLAN)
        s = plan["seconds"]
        print(
            f"seeded in {time.perf_counter() - started:.0f} s (demo "
            f"configuration {s['configure']:.0f} s, bulk SQL {s['bulk']:.0f} s): {args.visits:,} past visits, "
            f"{args.on_site:,} on site and {args.expected:,} expected at the head office"
        )
    else:
        from bench.load.seed import sessions_for, still_valid

        plan = still_valid(env, json.loads(PLAN.read_text()))
        if "sessions" not in plan:
            setup_django(env)
            plan["sessions"] = sessions_for(plan["org"], plan["reception"] + plan["security"])
        PLAN.write_text(json.dumps(plan))
        print("reusing the seeded database; the visits acted upon by earlier runs are left out")
    server = Server(env, workers=args.workers, extra=args.gunicorn.split())
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "config", "worker", "-l", "warning", "-c", "2"],
        cwd=BASE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "load"
            before, wbefore, t0 = cpu_snapshot(server, env), worker_cpu(worker), time.perf_counter()
            print(
                f"locust: {args.users} users, {args.seconds} s, at most {args.max_requests:,} requests, "
                f"against {server.url} (gunicorn -w {args.workers} {args.gunicorn}); "
                f"load average {loadavg()}"
            )
            subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(HERE / "locustfile.py"),
                    "--headless",
                    "--only-summary",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.spawn_rate),
                    "-t",
                    f"{args.seconds}s",
                    "--host",
                    server.url,
                    "--csv",
                    str(prefix),
                    "--loglevel",
                    "WARNING",
                    *args.classes.split(),
                ],
                cwd=BASE,
                env={**os.environ, "LOAD_PLAN": str(PLAN), "LOAD_MAX_REQUESTS": str(args.max_requests)},
                stdout=subprocess.DEVNULL,
                stderr=(Path(tmp) / "locust.log").open("w"),
                check=False,
            )
            wall = time.perf_counter() - t0
            after, wafter = cpu_snapshot(server, env), worker_cpu(worker)
            rows = list(csv.DictReader(open(f"{prefix}_stats.csv")))  # noqa: SIM115
            failures = list(csv.DictReader(open(f"{prefix}_failures.csv")))  # noqa: SIM115
        report(rows, failures, cpu_since(before, after), wafter - wbefore, wall, args)
    finally:
        server.stop()
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a long export still running (acks late: it is redone)
            for child in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split():
                os.kill(int(child), 9)
            worker.kill()
            worker.wait()
    return 0


def report(rows, failures, spent, worker_seconds, wall, args) -> None:
    print(f"\nload average after the run {loadavg()}; wall {wall:.0f} s\n")
    print(f"{'request':<24}{'n':>7}{'req/s':>8}{'median':>8}{'p95':>7}{'p99':>7}{'errors':>8}  target")
    met = True
    total = None
    for row in rows:
        name, n = row["Name"], int(row["Request Count"])
        if row["Type"] == "" or name == "Aggregated":
            total = row
            continue
        errors = int(row["Failure Count"])
        p95 = float(row["95%"]) if n else 0.0
        target = TARGET_MS.get(name)
        verdict = ""
        if target:
            ok = errors == 0 and p95 < target
            met = met and ok
            verdict = f"p95 < {target} ms: {'met' if ok else 'NOT met'}"
        print(
            f"{name:<24}{n:>7}{float(row['Requests/s']):>8.1f}{row['50%']:>8}{row['95%']:>7}{row['99%']:>7}"
            f"{errors:>8}  {verdict}"
        )
    if total:
        n = int(total["Request Count"])
        web, pg = spent
        print(
            f"{'all':<24}{n:>7}{float(total['Requests/s']):>8.1f}{total['50%']:>8}{total['95%']:>7}"
            f"{total['99%']:>7}{int(total['Failure Count']):>8}"
        )
        print(
            f"\nserver CPU per request: gunicorn {web / n * 1000:.1f} ms + PostgreSQL {pg / n * 1000:.1f} ms "
            f"(the app role's backends, the worker's included); Celery worker {worker_seconds:.1f} s in all; "
            f"server CPU {(web + pg) / wall * 100:.0f}% of one core over the run"
        )
    for f in failures[:10]:
        print(f"  error {f['Name']}: {f['Occurrences']}x {f['Error'][:160]}")
    print(
        f"\ntargets ({args.users} users, 0 errors, interactive p95 < 300 ms, badge PDF p95 < 500 ms): "
        f"{'MET' if met and args.users >= 50 else 'NOT met'}"
    )


if __name__ == "__main__":
    sys.exit(main())
