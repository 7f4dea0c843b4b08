"""Request budgets: per membership and per client address, with a tighter one
for searches. Over budget: 429 with Retry-After, in the reader's language.

One middleware for the API and the screens, rather than DRF throttles for one
and decorators for the other: a member's desk (HTMX) and its API token draw on
the same budget, a search is recognised by the request (a `q` in the query
string, a form posted with `action=search`) whatever view answers it, and a
refused request stops here, before any view or serializer runs. The counters
are tenancy.ratelimit's fixed windows (an atomic INCR each, all of a
request's in one round trip), not DRF's
SimpleRateThrottle, whose read-then-write of a timestamp list lets a parallel
burst through and grows with the budget.

It sits after LanguageMiddleware: the membership and the language are known.
Budgets are settings.RATE_LIMITS (env RATE_LIMIT_*); the address budget is
higher than the member's, since a whole office may share one NAT address."""

import logging
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from config import errors

from .context import client_ip
from .ratelimit import count_in_windows, digest

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache(maxsize=64)
def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """'600/min' -> (600, 60); empty or 'off' -> None (no limit)."""
    if not rate or rate.strip().lower() in {"off", "none", "0"}:
        return None
    number, _slash, period = rate.strip().partition("/")
    unit = period.strip().lower()[:1]
    if unit not in _PERIODS or not number.strip().isdigit():
        raise ValueError(f"rate {rate!r}: expected like '600/min'")
    return int(number), _PERIODS[unit]


def is_search(request) -> bool:
    if request.method in ("GET", "HEAD"):
        return bool(request.GET.get("q", "").strip())
    # The kiosk's name search is a form posted with action=search. Screens'
    # forms only: CsrfViewMiddleware reads them next anyway, while an API body
    # is DRF's to parse.
    return (
        request.method == "POST"
        and not request.path.startswith("/api/")
        and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        and request.POST.get("action") == "search"
    )


def _budgets(request):
    """(counter key, the RATE_LIMITS entry) for each budget this request draws on."""
    search = is_search(request)
    membership = getattr(request, "membership", None)
    ip = client_ip(request)
    if membership is not None:
        yield f"member:{membership.pk}", "member"
        if search:
            yield f"member-search:{membership.pk}", "member_search"
    if ip:
        yield f"ip:{digest(ip)}", "ip"
        if search:
            yield f"ip-search:{digest(ip)}", "ip_search"


def over_budget(request) -> int | None:
    """Count the request against each of its budgets; the seconds to wait if
    one of them is spent, else None."""
    counted = []
    for key, name in _budgets(request):
        rate = parse_rate(settings.RATE_LIMITS.get(name))
        if rate is not None:
            counted.append((key, *rate))
    if not counted:
        return None
    try:
        counts = count_in_windows([(key, period) for key, _limit, period in counted])
    except RedisError:
        # The budgets guard the desk; with Redis away they must not stop it too.
        logger.warning("request budgets not counted: Redis unreachable", exc_info=True)
        return None
    waits = [
        wait for (_key, limit, _period), (count, wait) in zip(counted, counts, strict=True) if count > limit
    ]
    return max(waits) if waits else None


def message(seconds: int) -> str:
    return ngettext(
        "Too many requests. Please wait %(seconds)s second and try again.",
        "Too many requests. Please wait %(seconds)s seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def refusal(request, seconds: int) -> HttpResponse:
    text = message(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": text}, status=429)
    elif request.headers.get("HX-Request"):
        # The desk swaps this into its table (desk.js); the next refresh brings the rows back.
        response = HttpResponse(format_html('<p class="alert error" role="alert">{}</p>', text), status=429)
    else:
        response = errors.page(request, 429, _("Too many requests"), text)
    response["Retry-After"] = str(seconds)
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # A mistyped budget stops the server from starting, rather than
        # answering 500 to every request.
        for name, rate in settings.RATE_LIMITS.items():
            try:
                parse_rate(rate)
            except ValueError as exc:
                raise ImproperlyConfigured(f"RATE_LIMITS[{name!r}]: {exc}") from exc

    def __call__(self, request):
        seconds = over_budget(request)
        if seconds is not None:
            return refusal(request, seconds)
        return self.get_response(request)
