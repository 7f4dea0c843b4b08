"""Fixed-window counters in Redis, for actions anyone may trigger (a password
reset e-mail). django-axes guards sign-ins; this guards the rest."""

import hashlib

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
