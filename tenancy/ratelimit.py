"""Fixed-window counters in Redis, for actions anyone may trigger (a password
reset e-mail) and for the request budgets of tenancy.throttle. django-axes
guards sign-ins; this guards the rest.

A counter is one INCR on a key that expires: atomic across processes and
machines, so a burst of parallel requests cannot slip past it (a read, then a
write of a list of timestamps, as DRF's SimpleRateThrottle keeps, can)."""

import hashlib
import math
import time

from django.core.cache import cache


def digest(value: str) -> str:
    """Keys hold no address in clear text."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def hit(key: str, *, limit: int, period: int) -> bool:
    """Count one attempt under `key`: False once there were more than `limit`
    in the `period` seconds since the first one."""
    full = f"ratelimit:{key}"
    cache.add(full, 0, timeout=period)
    try:
        count = cache.incr(full)
    except ValueError:  # the window ended between the two calls
        cache.add(full, 1, timeout=period)
        count = 1
    return count <= limit


def count_in_windows(counters: list[tuple[str, int]], *, now: float | None = None) -> list[tuple[int, int]]:
    """Count one request under each (key, period) in its current window,
    windows aligned on the clock (so every process and machine agrees where
    one ends): for each, (requests in this window so far, seconds until it
    ends). One round trip for all of them: every request pays it."""
    now = time.time() if now is None else now
    # Django's cache API has no pipeline; its Redis client is the one it
    # already holds (the key prefix applied by make_and_validate_key).
    client = cache._cache.get_client(write=True)
    pipe = client.pipeline(transaction=False)
    ends = []
    for key, period in counters:
        window = int(now // period)
        end = (window + 1) * period
        full = cache.make_and_validate_key(f"ratelimit:{key}:{window}")
        pipe.incr(full)
        # An absolute expiry, the same whoever sets it: the counter outlives
        # its window by a little, never less.
        pipe.expireat(full, int(end) + 2)
        ends.append(end)
    replies = pipe.execute()
    return [(int(replies[2 * i]), max(1, math.ceil(end - now))) for i, end in enumerate(ends)]


def count_in_window(key: str, *, period: int, now: float | None = None) -> tuple[int, int]:
    return count_in_windows([(key, period)], now=now)[0]
