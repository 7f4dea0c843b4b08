"""Arrival checks: other apps (documents: missing consents) and this one (the
watchlist) register functions that can block an arrival.

    register_arrival_check(func)   # func(visit) -> list[str] of blocking problems

`services.arrive()` runs them all; any problem refuses the arrival (409) unless
an admin gives an override reason, which is journaled as `visit.override`.

Some problems the visitor can solve alone at the kiosk (signing a consent):

    register_self_service(func)    # func(visit) -> list[(label, url)]

The kiosk shows those links instead of only sending the visitor to the desk.
"""

from collections.abc import Callable

ArrivalCheck = Callable[["object"], list[str]]
_checks: list[ArrivalCheck] = []


def register_arrival_check(func: ArrivalCheck) -> ArrivalCheck:
    """Usable as a decorator; registering the same function twice is a no-op
    (AppConfig.ready() may run more than once in tests)."""
    if func not in _checks:
        _checks.append(func)
    return func


def unregister_arrival_check(func: ArrivalCheck) -> None:
    if func in _checks:
        _checks.remove(func)


def arrival_problems(visit) -> list[str]:
    problems: list[str] = []
    for check in list(_checks):
        problems.extend(str(p) for p in check(visit) or [])
    return problems


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
