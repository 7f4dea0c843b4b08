"""Sign-in events go to the journal.

Failed sign-ins are counted by django-axes (its AccessAttempt rows); the journal
records the first failure of an account in a lockout window and the lockout
itself, not every attempt: otherwise anyone who knows an address could fill an
organization's journal by posting wrong passwords."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

from tenancy.context import Actor, client_ip, current_actor

from . import services


def _ip(request):
    return client_ip(request) if request is not None else None


def _window_key(kind: str, user) -> str:
    return f"auth:journaled:{kind}:{user.pk}"


def _first_in_window(kind: str, user) -> bool:
    """True once per account and lockout window (an atomic Redis SET NX)."""
    seconds = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return cache.add(_window_key(kind, user), 1, timeout=seconds)


def _failures(request) -> int | None:
    return getattr(request, "axes_failures_since_start", None) if request is not None else None


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    # A successful sign-in starts a new window (axes resets its count too).
    cache.delete_many([_window_key("failed", user), _window_key("locked", user)])
    token = current_actor.set(Actor(user_id=user.pk, ip=_ip(request)))
    try:
        services.journal_for_user_orgs(user, "auth.login")
    finally:
        current_actor.reset(token)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    token = current_actor.set(Actor(user_id=user.pk, ip=_ip(request)))
    try:
        services.journal_for_user_orgs(user, "auth.logout")
    finally:
        current_actor.reset(token)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "axes_locked_out", False):
        return  # an attempt on a locked account: the lockout entry says it
    user = services.find_user(credentials.get("email") or credentials.get("username") or "")
    if user is None:
        return  # an unknown address belongs to no organization's journal
    if not _first_in_window("failed", user):
        return  # counted by axes; journaled once per window
    token = current_actor.set(Actor(ip=_ip(request)))
    try:
        services.journal_for_user_orgs(user, "auth.login_failed")
    finally:
        current_actor.reset(token)


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, **kwargs):
    user = services.find_user(username or "")
    if user is None:
        return
    # axes signals a lockout again on every attempt while locked: once is enough.
    if not _first_in_window("locked", user):
        return
    failures = _failures(request)
    token = current_actor.set(Actor(ip=_ip(request)))
    try:
        services.journal_for_user_orgs(
            user, "auth.locked_out", {"failures": failures} if failures is not None else None
        )
    finally:
        current_actor.reset(token)
