"""Role helpers shared by every view and API endpoint.

The rule: an object of another organization, or outside the member's perimeter,
answers 404 — the same answer as an object that does not exist, so ids cannot be
probed. A role that may not act on an object it can see answers 403.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import Role


def role_of(request) -> str | None:
    membership = getattr(request, "membership", None)
    return membership.role if membership else None


class IsMember(BasePermission):
    """Any active membership of the organization the request is scoped to."""

    def has_permission(self, request, view):
        return getattr(request, "membership", None) is not None


def roles(*allowed: str, read: tuple[str, ...] = ()) -> type[BasePermission]:
    """DRF permission: `allowed` roles may do anything, `read` roles may only read."""

    class _Roles(BasePermission):
        def has_permission(self, request, view):
            role = role_of(request)
            if role is None:
                return False
            return role in allowed or (request.method in SAFE_METHODS and role in read)

    _Roles.__name__ = "Roles_" + "_".join(allowed)
    return _Roles


def get_for_member(queryset, **lookup):
    """One object from an already perimeter-narrowed queryset, or 404."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def member_required(*allowed: str):
    """HTML views: a signed-in member with one of these roles (all if none given)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect(f"/login/?next={request.path}")
            if request.membership is None:
                raise PermissionDenied
            if allowed and request.membership.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


ADMIN = Role.ADMIN
RECEPTION = Role.RECEPTION
HOST = Role.HOST
COMPLIANCE = Role.COMPLIANCE
