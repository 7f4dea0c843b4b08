"""Arrival checks: other apps (documents: missing consents) and this one (the
watchlist) register functions that can block an arrival.

    register_arrival_check(func)   # func(visit) -> list[str] of blocking problems
    register_arrival_check(func, gate=gate)
        # gate(visit) -> (sql, params): an SQL boolean, false when func would
        # find nothing. The gates of all checks run as one statement, and a
        # check runs only when its gate is true: an arrival usually has no
        # problem, and one round trip answers for every check.
    register_arrival_check(func, overridable=False)
        # a problem no override lifts: it must be solved (a consent signed).

`services.arrive()` runs them all; any problem refuses the arrival (409). An
admin's override reason, journaled as `visit.override`, lifts the problems of
overridable checks (the watchlist) only.

Some problems the visitor can solve alone at the kiosk (signing a consent):

    register_self_service(func)    # func(visit, *, kiosk_key, language) -> list[(label, url)]

The kiosk shows those links instead of only sending the visitor to the desk.
Staff solve them from the desk:

    register_desk_step(func)       # func(visits) -> {visit_id: [(label, url)]}

The desk shows those links on the rows of visits that need them (one call for
the whole table).
"""

from collections.abc import Callable

from django.db import connection

ArrivalCheck = Callable[["object"], list[str]]
Gate = Callable[["object"], tuple[str, list]]
_checks: list[ArrivalCheck] = []
_gates: dict[ArrivalCheck, Gate] = {}
_not_overridable: set[ArrivalCheck] = set()


def register_arrival_check(
    func: ArrivalCheck, *, gate: Gate | None = None, overridable: bool = True
) -> ArrivalCheck:
    """Registering the same function twice is a no-op (AppConfig.ready() may run
    more than once in tests)."""
    if func not in _checks:
        _checks.append(func)
    if gate is not None:
        _gates[func] = gate
    if not overridable:
        _not_overridable.add(func)
    return func


def unregister_arrival_check(func: ArrivalCheck) -> None:
    if func in _checks:
        _checks.remove(func)
    _gates.pop(func, None)
    _not_overridable.discard(func)


def arrival_findings(visit) -> list[tuple[str, bool]]:
    """Every problem as (message, overridable)."""
    checks = list(_checks)
    needed = _open_gates(visit, [c for c in checks if c in _gates])
    found: list[tuple[str, bool]] = []
    for check in checks:
        if check not in _gates or needed[check]:
            found.extend((str(p), check not in _not_overridable) for p in check(visit) or [])
    return found


def arrival_problems(visit) -> list[str]:
    return [message for message, _overridable in arrival_findings(visit)]


def _open_gates(visit, gated: list[ArrivalCheck]) -> dict[ArrivalCheck, bool]:
    if not gated:
        return {}
    parts = [_gates[check](visit) for check in gated]
    sql = "SELECT " + ", ".join(f"({part})" for part, _params in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [p for _part, params in parts for p in params])
        return dict(zip(gated, cursor.fetchone(), strict=True))


SelfService = Callable[..., list[tuple[str, str]]]
_self_service: list[SelfService] = []


def register_self_service(func: SelfService) -> SelfService:
    if func not in _self_service:
        _self_service.append(func)
    return func


def self_service_links(visit, *, kiosk_key: str, language: str) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    for func in list(_self_service):
        links.extend(func(visit, kiosk_key=kiosk_key, language=language) or [])
    return links


DeskStep = Callable[[list], dict[int, list[tuple[str, str]]]]
_desk_steps: list[DeskStep] = []


def register_desk_step(func: DeskStep) -> DeskStep:
    if func not in _desk_steps:
        _desk_steps.append(func)
    return func


def desk_steps(visits) -> dict[int, list[tuple[str, str]]]:
    """{visit id: [(label, url)]} for the visits that need a step before arriving."""
    visits = list(visits)
    steps: dict[int, list[tuple[str, str]]] = {}
    if not visits:
        return steps
    for func in list(_desk_steps):
        for visit_id, links in (func(visits) or {}).items():
            steps.setdefault(visit_id, []).extend(links)
    return steps
