"""Signed QR codes for invitations and badges.

A code is a django.core.signing payload: the organization id (so a scanner in
another tenant refuses it without looking anything up), the visit id, a digest
of the visit's random `token` (rotating the token kills every code issued) and
an expiry. It carries no personal data and cannot be forged without SECRET_KEY.
"""

import datetime
import hashlib
from typing import NamedTuple

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import get_scope

from .errors import VisitError
from .models import Visit, VisitStatus

SALT = "vestibule.visit-code"
PURPOSES = ("invitation", "badge")


class CodeError(VisitError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _expiry(visit: Visit, purpose: str) -> datetime.datetime:
    # An invitation is good until the end of the expected period plus a margin
    # for late guests; a badge until a day after arrival.
    if purpose == "badge":
        return (visit.arrived_at or timezone.now()) + datetime.timedelta(days=1)
    return visit.expected_until + datetime.timedelta(hours=12)


def make_code(visit: Visit, purpose: str = "invitation") -> str:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    payload = {
        "o": visit.organization_id,
        "v": visit.pk,
        "t": _digest(visit.token),
        "p": purpose[0],
        "x": int(_expiry(visit, purpose).timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


class ScannedCode(NamedTuple):
    visit_id: int
    digest: str
    purpose: str
    expires: int


def read_code(code: str) -> ScannedCode:
    """What a code scanned in the current tenant scope says, or CodeError with
    the reason (unreadable, forged, another organization's). Reads nothing."""
    code = (code or "").strip()
    try:
        payload = signing.loads(code, salt=SALT)
        org_id, visit_id, digest = int(payload["o"]), int(payload["v"]), str(payload["t"])
        purpose = {"i": "invitation", "b": "badge"}[payload["p"]]
        expires = int(payload["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise CodeError(_("This code is not valid (unreadable or forged).")) from exc
    current = get_scope().get("organization")
    current_id = current if isinstance(current, int) or current is None else current.pk
    if org_id != current_id:
        raise CodeError(_("This code belongs to another organization."))
    return ScannedCode(visit_id, digest, purpose, expires)


def check_code(visit: Visit | None, scanned: ScannedCode) -> None:
    """CodeError unless `scanned` still opens `visit` (the visit it names, read
    by the caller; None when it is gone)."""
    if visit is None or _digest(visit.token) != scanned.digest:
        raise CodeError(_("This code is no longer valid (the visit was changed or removed)."))
    if timezone.now().timestamp() > scanned.expires:
        raise CodeError(_("This code has expired."))
    refused = {
        VisitStatus.CANCELLED: _("This visit was cancelled."),
        VisitStatus.DEPARTED: _("This code was already used: the visitor has left."),
        VisitStatus.REFUSED: _("This visit was refused."),
        VisitStatus.NO_SHOW: _("This visit is over (no-show)."),
        VisitStatus.PENDING_APPROVAL: _("This visit is still waiting for approval."),
    }
    if visit.status in refused:
        raise CodeError(refused[visit.status])


def resolve_code(code: str) -> tuple[Visit, str]:
    """(visit, purpose) for a code scanned in the current tenant scope, or
    CodeError with the reason. Does not change anything (the scan itself is
    `services.scan`, which reads the visit locked)."""
    scanned = read_code(code)
    visit = Visit.objects.select_related("visitor", "site", "visit_type").filter(pk=scanned.visit_id).first()
    check_code(visit, scanned)
    return visit, scanned.purpose
