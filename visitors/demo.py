"""Demo rows for `seed_demo`: visit types and a few hundred visits (past days and
today) across the organization's sites, written in bulk — the demo shows data,
it does not replay the life cycle — with badge counters kept consistent."""

import datetime
import random
import zoneinfo

from django.utils import timezone

from config import translated
from sites.models import Desk, Site
from tenancy.models import Membership

from .models import BadgeCounter, Visit, Visitor, VisitStatus, VisitType

TYPES = [
    # names by language, colour, host required, approval, minutes, kiosk
    ({"fr": "Visiteur", "en": "Visitor", "de": "Besucher"}, "#1f5fbf", True, False, 120, True),
    ({"fr": "Prestataire", "en": "Contractor", "de": "Dienstleister"}, "#b35c00", True, False, 480, False),
    ({"fr": "Livraison", "en": "Delivery", "de": "Lieferung"}, "#2e7d32", False, False, 30, True),
    ({"fr": "Entretien", "en": "Interview", "de": "Vorstellungsgespräch"}, "#6a1b9a", True, True, 90, True),
]
FIRST = [
    "Hélène",
    "Zoé",
    "Jérôme",
    "François",
    "Noémie",
    "Loïc",
    "Maëlle",
    "Céline",
    "Amélie",
    "Benoît",
    "Anaïs",
    "Gaëtan",
    "Inès",
    "Léa",
    "Raphaël",
    "Chloé",
    "Théo",
    "Élodie",
    "Mathéo",
    "Sébastien",
]
LAST = [
    "Lefèvre",
    "Müller",
    "Dupré",
    "Bézier",
    "Garçon",
    "Lemaître",
    "Rivière",
    "Chevalier",
    "Fabré",
    "Moreau",
    "Girard",
    "Bonnet",
    "Faure",
    "Mercier",
    "Blanc",
    "Guérin",
    "Roux",
    "Perrin",
    "Robin",
    "Brûlé",
]
COMPANIES = [
    "Électricité Rhône",
    "Société Générale d'Études",
    "Boulangerie Crémieux",
    "Transports Gérard",
    "Nettoyage Éclat",
    "Acier Léger",
    "",
    "Cabinet Dupré & Fils",
    "Informatique Sûre",
    "",
]


def _language(index: int, drawn: str) -> str:
    return "de" if index % 7 == 3 and "de" in translated.languages() else drawn


def seed(org, visits: int = 300, seed_value: int = 42) -> None:
    rng = random.Random(seed_value + org.pk)
    types = []
    for names, color, host, approval, minutes, kiosk in TYPES:
        kind = VisitType(
            organization=org,
            color=color,
            host_required=host,
            approval_required=approval,
            default_duration_minutes=minutes,
            kiosk_allowed=kiosk,
        )
        # The configured languages the demo has words for.
        translated.assign(
            kind, "name", {code: names[code] for code in translated.languages() if code in names}
        )
        kind.save()
        types.append(kind)
    sites = list(Site.objects.all())
    desks = {s.pk: list(Desk.objects.filter(site=s)) for s in sites}
    hosts = list(Membership.objects.filter(role__in=["host", "admin"]))
    people = Visitor.objects.bulk_create(
        Visitor(
            organization=org,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            company=rng.choice(COMPANIES),
            email=f"visiteur{i}@exemple.test",
            # Every seventh visitor reads German, when it is configured (the
            # draw is made anyway, so the rest of the demo stays the same).
            language=_language(i, rng.choice(["fr", "fr", "en"])),
        )
        for i in range(max(40, visits // 3))
    )
    now = timezone.now()
    counters: dict[tuple[int, datetime.date], int] = {}
    rows = []
    for i in range(visits):
        site = sites[i % len(sites)]
        tz = zoneinfo.ZoneInfo(site.timezone)
        today = timezone.localtime(now, tz).date()
        days_ago = 0 if i % 4 == 0 else rng.randint(1, 30)
        day = today - datetime.timedelta(days=days_ago)
        start = datetime.datetime.combine(
            day, datetime.time(rng.randint(8, 16), rng.choice([0, 15, 30, 45])), tz
        )
        vtype = rng.choice(types)
        visit = Visit(
            organization=org,
            site=site,
            visitor=rng.choice(people),
            host=rng.choice(hosts),
            visit_type=vtype,
            expected_at=start,
            expected_until=start + datetime.timedelta(minutes=vtype.default_duration_minutes),
        )
        if days_ago:
            visit.status = rng.choices(
                [VisitStatus.DEPARTED, VisitStatus.NO_SHOW, VisitStatus.CANCELLED], [85, 8, 7]
            )[0]
        else:
            visit.status = VisitStatus.ARRIVED if start < now and rng.random() < 0.6 else VisitStatus.EXPECTED
            if vtype.approval_required and visit.status == VisitStatus.EXPECTED:
                visit.status = VisitStatus.PENDING_APPROVAL
        if visit.status in (VisitStatus.ARRIVED, VisitStatus.DEPARTED):
            desk = rng.choice(desks[site.pk]) if desks[site.pk] else None
            visit.desk = visit.arrived_desk = desk
            visit.arrived_at = start + datetime.timedelta(minutes=rng.randint(-10, 20))
            key = (site.pk, day)
            counters[key] = counters.get(key, 0) + 1
            visit.badge_day, visit.badge_number = day, counters[key]
        if visit.status == VisitStatus.DEPARTED:
            visit.departed_at = visit.arrived_at + datetime.timedelta(minutes=rng.randint(20, 300))
            visit.departed_desk = visit.arrived_desk
        if visit.status == VisitStatus.CANCELLED:
            visit.cancellation_reason = "Reporté"
        rows.append(visit)
    Visit.objects.bulk_create(rows, batch_size=500)
    BadgeCounter.objects.bulk_create(
        BadgeCounter(organization=org, site_id=site_id, day=day, last=last)
        for (site_id, day), last in counters.items()
    )
