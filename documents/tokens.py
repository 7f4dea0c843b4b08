"""Signed links to the signing pages for people without an account.

The payload carries the organization id, so the page can open the tenant scope
before any lookup, and a fragment of the visit's secret token, so that rotating
that token (visitors.services) voids every link already sent. An expiry inside
the payload bounds each link; a forged or altered link fails the signature."""

import time

from django.core import signing
from django.urls import reverse

INVITATION_SALT = "documents.invitation-sign"
KIOSK_SALT = "documents.kiosk-sign"
KIOSK_SECONDS = 15 * 60
# The invitation link stays valid until a day after the visit's planned end.
INVITATION_GRACE_SECONDS = 24 * 3600


def _secret(visit) -> str:
    return visit.token[:12]


def make_token(visit, *, salt: str, expires_at: float) -> str:
    payload = {"o": visit.organization_id, "v": visit.pk, "s": _secret(visit), "e": int(expires_at)}
    return signing.dumps(payload, salt=salt, compress=True)


def invitation_token(visit) -> str:
    return make_token(
        visit, salt=INVITATION_SALT, expires_at=visit.expected_until.timestamp() + INVITATION_GRACE_SECONDS
    )


def kiosk_token(visit) -> str:
    return make_token(visit, salt=KIOSK_SALT, expires_at=time.time() + KIOSK_SECONDS)


def invitation_url(visit) -> str:
    return reverse("invitation_documents", kwargs={"token": invitation_token(visit)})


def kiosk_url(visit, *, kiosk_key: str) -> str:
    """Where the kiosk sends a visitor whose visit still needs signatures: a
    page of that kiosk (its key in the path), so that revoking the kiosk closes
    it too and signing leads back to the kiosk's arrival."""
    return reverse("kiosk_consent_sign", kwargs={"key": kiosk_key, "token": kiosk_token(visit)})


def read_token(token: str, *, salt: str) -> dict | None:
    """The payload of a valid, unexpired link, or None. The visit secret is
    checked by the caller once the tenant scope is open."""
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not {"o", "v", "s", "e"} <= set(payload):
        return None
    if payload["e"] < time.time():
        return None
    return payload


def visit_matches(visit, payload: dict) -> bool:
    return visit.pk == payload["v"] and _secret(visit) == payload["s"]
