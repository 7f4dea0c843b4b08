"""The people who visit: finding a returning visitor, registering a new one,
correcting their details. The visit verbs (visitors.services) call these when
a visit brings a person; the visitors API and the desk call them to correct one.
Contact details pass the same checks on every path (visitors.contact)."""

from django.db import transaction
from django.db.models import F, Value
from django.utils.translation import gettext as _

from audit import services as audit

from . import contact
from .errors import VisitError
from .models import Visitor
from .watchlist import Fold

VISITOR_FIELDS = ("first_name", "last_name", "email", "phone", "company", "language")


def find_visitor(*, first_name: str, last_name: str, email: str = "", company: str = "") -> Visitor | None:
    """A returning visitor: same e-mail, or else same name and company
    (accent- and case-insensitive)."""
    if email:
        found = Visitor.objects.filter(email__iexact=email).order_by("pk").first()
        if found:
            return found
    return (
        Visitor.objects.annotate(f=Fold(F("first_name")), la=Fold(F("last_name")), c=Fold(F("company")))
        .filter(f=Fold(_v(first_name)), la=Fold(_v(last_name)), c=Fold(_v(company)))
        .order_by("pk")
        .first()
    )


def _v(text: str):
    return Value((text or "").strip())


def _clean_contact(values: dict) -> dict:
    try:
        return contact.clean_contact(values)
    except contact.ContactError as exc:
        raise VisitError(exc.message, field=exc.field) from None


def find_or_create_visitor(*, organization, **values) -> Visitor:
    values = {k: (values.get(k) or "").strip() for k in VISITOR_FIELDS}
    if not values["first_name"] and not values["last_name"]:
        raise VisitError(_("The visitor's name is required."), field="visitor")
    values = _clean_contact(values)
    found = find_visitor(
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=values["email"],
        company=values["company"],
    )
    if found is None:
        return Visitor.objects.create(organization_id=getattr(organization, "pk", organization), **values)
    # A returning visitor may bring a new phone or company: keep the latest.
    changed = [
        k for k in ("email", "phone", "company", "language") if values[k] and getattr(found, k) != values[k]
    ]
    for k in changed:
        setattr(found, k, values[k])
    if changed:
        found.save(update_fields=changed)
    return found


@transaction.atomic
def update_visitor(*, visitor: Visitor, **values) -> Visitor:
    values = _clean_contact(values)
    changed = [k for k in VISITOR_FIELDS if k in values and getattr(visitor, k) != values[k]]
    for k in changed:
        setattr(visitor, k, values[k])
    if changed:
        visitor.save(update_fields=changed)
        audit.record("visitor.updated", target=visitor, data={"visitor_id": visitor.pk, "fields": changed})
    return visitor
