"""Sign-in events go to the journal."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tenancy.context import Actor, client_ip, current_actor

from . import services


def _ip(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
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
    user = services.find_user(credentials.get("email") or credentials.get("username") or "")
    if user is None:
        return  # an unknown address belongs to no organization's journal
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
    token = current_actor.set(Actor(ip=_ip(request)))
    try:
        services.journal_for_user_orgs(user, "auth.locked_out")
    finally:
        current_actor.reset(token)
