"""Login throttling (django-axes) and the journaling of sign-in events."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def axes_username(request, credentials):
    if credentials:
        value = credentials.get("email") or credentials.get("username")
        if value:
            return value.strip().lower()
    value = request.POST.get("email") or request.POST.get("username") or ""
    return value.strip().lower()


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("Too many failed sign-ins: this account is locked for %(minutes)s minutes.") % {
        "minutes": minutes
    }


def lockout_response(request, *args, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    return render(request, "tenancy/locked.html", {"message": lockout_message()}, status=429)
