"""What every benchmark needs first: the embedded servers, and URLs pointing
at the benchmark's own database."""

import sys
from pathlib import Path

# Scripts run as `python bench/x.py`: the project root is not on the path yet.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.launcher import Services


def with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def services_env(database: str | None = None) -> dict[str, str]:
    """Start (or reuse) the embedded PostgreSQL and Redis, as `make run` does,
    and leave them running; with `database`, both PostgreSQL URLs name it."""
    env = dict(Services().up())
    if database:
        for key in ("DATABASE_URL", "DATABASE_OWNER_URL"):
            env[key] = with_db(env[key], database)
    return env
