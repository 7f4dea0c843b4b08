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


def count_in_window(key: str, *, period: int, now: float | None = None) -> tuple[int, int]:
    """Count one request under `key` in the current window of `period` seconds,
    windows aligned on the clock (so every process agrees where one ends):
    (requests in this window so far, seconds until it ends)."""
    now = time.time() if now is None else now
    window = int(now // period)
    full = f"ratelimit:{key}:{window}"
    try:
        count = cache.incr(full)  # one round trip once the window has begun
    except ValueError:
        # The key outlives its window by a little, never less: a counter must
        # not expire and restart while its window still runs.
        count = 1 if cache.add(full, 1, timeout=period + 2) else cache.incr(full)
    return count, max(1, math.ceil((window + 1) * period - now))
