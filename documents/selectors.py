"""Reads narrowed to what a membership may see.

Documents follow their visit: admins and compliance see every visit of their
perimeter, a host the visits they host, reception the visits of its sites.
Anything else answers 404 through `tenancy.permissions.get_for_member`. What is
past its consultation period (the visit, or the document itself) is left out
for every role: compliance reads it in the retention archive."""

import calendar

from django.db.models import Q, QuerySet
from django.utils import timezone

from config.registries import consultation
from tenancy.models import Membership, Role
from visitors.models import Visit

from .models import (
    Attachment,
    ConsentRequirement,
    ConsentText,
    DocumentArchive,
    DocumentPolicy,
    SignedConsent,
)


def visits_for(membership: Membership) -> QuerySet[Visit]:
    visits = consultation.within(Visit.objects.select_related("visitor", "visit_type", "site"), "visits")
    if membership.role == Role.HOST:
        return visits.filter(host=membership)
    if membership.sees_all_sites:
        return visits
    return visits.filter(site_id__in=membership.site_ids)


def _by_site(queryset, membership: Membership):
    """Rows kept after their visit was purged still belong to a site: the site
    decides for them, the visit for the others."""
    if membership.role == Role.HOST:
        return queryset.filter(visit__host=membership)
    if membership.sees_all_sites:
        return queryset
    return queryset.filter(Q(site_id__in=membership.site_ids))


def attachments_for(membership: Membership, *, archive: bool = False) -> QuerySet[Attachment]:
    """`archive=True` for a download: compliance with the documents' archive open
    (retention) reaches the archived files listed there."""
    attachments = Attachment.objects.select_related("visit")
    if not (archive and consultation.archive_open(membership, "documents")):
        attachments = consultation.within(attachments, "documents")
    return _by_site(attachments, membership)


def consents_for(membership: Membership, *, archive: bool = False) -> QuerySet[SignedConsent]:
    """`archive=True` for a certificate download (see `attachments_for`)."""
    consents = SignedConsent.objects.select_related("version", "visit")
    if not (archive and consultation.archive_open(membership, "consents")):
        consents = consultation.within(consents, "consents")
    return _by_site(consents, membership)


def archives_for(membership: Membership) -> QuerySet[DocumentArchive]:
    archives = DocumentArchive.objects.all()
    if membership.role == Role.ADMIN:
        return archives
    # An archive may hold documents of several people's perimeters: only its
    # requester (or an admin) downloads it.
    return archives.filter(requested_by=membership)


def policy_for(organization) -> DocumentPolicy:
    """The organization's document policy, or the defaults (not saved)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    found = DocumentPolicy.objects.filter(organization_id=org_id).first()
    return found or DocumentPolicy(organization_id=org_id)


def required_texts(visit: Visit) -> QuerySet[ConsentText]:
    return (
        ConsentText.objects.filter(
            active=True, visit_types=visit.visit_type_id, current_version__isnull=False
        )
        .select_related("current_version")
        .order_by("kind", "pk")
    )


# Whether the visit's type requires any text: the consent check's gate (see
# visitors.checks), as a plain SQL condition. Most types require none.
_REQUIRES_ANY = """
EXISTS (SELECT 1 FROM documents_consentrequirement r JOIN documents_consenttext t ON t.id = r.consent_text_id
        WHERE r.visit_type_id = %s AND t.active AND t.current_version_id IS NOT NULL)
"""


def requires_any_gate(visit: Visit) -> tuple[str, list]:
    return _REQUIRES_ANY, [visit.visit_type_id]


def missing_texts(visit: Visit, *, at=None) -> list[ConsentText]:
    """Texts the visit's type requires whose current version this visitor has not
    signed: for this visit, or within the text's validity period for any visit."""
    at = at or timezone.now()
    missing = []
    texts = list(required_texts(visit))
    if not texts:
        return []
    signed = SignedConsent.objects.filter(
        version_id__in=[t.current_version_id for t in texts], anonymised_at__isnull=True
    )
    if visit.visitor_id:
        signed = signed.filter(Q(visit=visit) | Q(visitor_id=visit.visitor_id))
    else:
        signed = signed.filter(visit=visit)
    by_version: dict[int, list[SignedConsent]] = {}
    for consent in signed.only("version_id", "visit_id", "signed_at"):
        by_version.setdefault(consent.version_id, []).append(consent)
    for text in texts:
        if not any(
            _covers(text, consent, visit, at) for consent in by_version.get(text.current_version_id, [])
        ):
            missing.append(text)
    return missing


def visits_missing_consents(visits, *, at=None) -> set[int]:
    """The ids of those visits still missing a required signature: the rule of
    `missing_texts`, for a whole desk table in two queries."""
    visits = list(visits)
    if not visits:
        return set()
    at = at or timezone.now()
    required: dict[int, list[tuple[int, int | None]]] = {}
    for type_id, version_id, months in ConsentRequirement.objects.filter(
        visit_type_id__in={v.visit_type_id for v in visits},
        consent_text__active=True,
        consent_text__current_version__isnull=False,
    ).values_list("visit_type_id", "consent_text__current_version", "consent_text__validity_months"):
        required.setdefault(type_id, []).append((version_id, months))
    needing = [v for v in visits if v.visit_type_id in required]
    if not needing:
        return set()
    versions = {version_id for rows in required.values() for version_id, _months in rows}
    signed = SignedConsent.objects.filter(version_id__in=versions, anonymised_at__isnull=True).filter(
        Q(visit_id__in=[v.pk for v in needing])
        | Q(visitor_id__in={v.visitor_id for v in needing if v.visitor_id})
    )
    for_visit: set[tuple[int, int]] = set()
    latest_by_visitor: dict[tuple[int, int], object] = {}
    for version_id, visit_id, visitor_id, signed_at in signed.values_list(
        "version_id", "visit_id", "visitor_id", "signed_at"
    ):
        for_visit.add((visit_id, version_id))
        key = (visitor_id, version_id)
        if visitor_id and (key not in latest_by_visitor or latest_by_visitor[key] < signed_at):
            latest_by_visitor[key] = signed_at
    missing = set()
    for visit in needing:
        for version_id, months in required[visit.visit_type_id]:
            if (visit.pk, version_id) in for_visit:
                continue
            latest = latest_by_visitor.get((visit.visitor_id, version_id))
            if months and latest is not None and latest >= months_before(at, months):
                continue
            missing.add(visit.pk)
            break
    return missing


def _covers(text: ConsentText, consent: SignedConsent, visit: Visit, at) -> bool:
    if consent.visit_id == visit.pk:
        return True
    if not text.validity_months:
        return False
    return consent.signed_at >= months_before(at, text.validity_months)


def months_before(at, months: int):
    """The same day `months` calendar months earlier (the 31st falls back to the
    last day of a shorter month)."""

    year, month = divmod(at.year * 12 + at.month - 1 - months, 12)
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)
