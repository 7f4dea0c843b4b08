"""Arrival checks: other apps (documents: missing consents) and this one (the
watchlist) register functions that can block an arrival.

    register_arrival_check(func)   # func(visit) -> list[str] of blocking problems
    register_arrival_check(func, gate=gate)
        # gate(visit) -> (sql, params): an SQL boolean, false when func would
        # find nothing. The gates of all checks run as one statement, and a
        # check runs only when its gate is true: an arrival usually has no
        # problem, and one round trip answers for every check.

`services.arrive()` runs them all; any problem refuses the arrival (409) unless
an admin gives an override reason, which is journaled as `visit.override`.

Some problems the visitor can solve alone at the kiosk (signing a consent):

    register_self_service(func)    # func(visit) -> list[(label, url)]

The kiosk shows those links instead of only sending the visitor to the desk.
"""

from collections.abc import Callable

from django.db import connection

ArrivalCheck = Callable[["object"], list[str]]
Gate = Callable[["object"], tuple[str, list]]
_checks: list[ArrivalCheck] = []
_gates: dict[ArrivalCheck, Gate] = {}


def register_arrival_check(func: ArrivalCheck, *, gate: Gate | None = None) -> ArrivalCheck:
    """Registering the same function twice is a no-op (AppConfig.ready() may run
    more than once in tests)."""
    if func not in _checks:
        _checks.append(func)
    if gate is not None:
        _gates[func] = gate
    return func


def unregister_arrival_check(func: ArrivalCheck) -> None:
    if func in _checks:
        _checks.remove(func)
    _gates.pop(func, None)


def arrival_problems(visit) -> list[str]:
    checks = list(_checks)
    needed = _open_gates(visit, [c for c in checks if c in _gates])
    problems: list[str] = []
    for check in checks:
        if check not in _gates or needed[check]:
            problems.extend(str(p) for p in check(visit) or [])
    return problems


def _open_gates(visit, gated: list[ArrivalCheck]) -> dict[ArrivalCheck, bool]:
    if not gated:
        return {}
    parts = [_gates[check](visit) for check in gated]
    sql = "SELECT " + ", ".join(f"({part})" for part, _params in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for _part, params in parts for p in params])
        return dict(zip(gated, cursor.fetchone(), strict=True))


SelfService = Callable[["object"], list[tuple[str, str]]]
_self_service: list[SelfService] = []


def register_self_service(func: SelfService) -> SelfService:
    if func not in _self_service:
        _self_service.append(func)
    return func


def self_service_links(visit) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    for func in list(_self_service):
        links.extend(func(visit) or [])
    return links
