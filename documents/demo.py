"""Demo rows: a safety text and a privacy notice, required by every visit type."""

from visitors.models import VisitType

from . import services
from .models import ConsentKind, ConsentText


def seed(org) -> None:
    if ConsentText.objects.exists():
        return
    visit_types = list(VisitType.objects.all())
    services.create_consent_text(
        organization=org,
        kind=ConsentKind.SAFETY,
        visit_types=visit_types,
        validity_months=12,
        title_fr="Consignes de sécurité",
        title_en="Safety rules",
        body_fr="Portez votre badge en permanence. En cas d'alarme, suivez les consignes d'évacuation "
        "et rejoignez le point de rassemblement.",
        body_en="Wear your badge at all times. If the alarm sounds, follow the evacuation instructions "
        "and go to the assembly point.",
    )
    services.create_consent_text(
        organization=org,
        kind=ConsentKind.PRIVACY,
        visit_types=visit_types,
        title_fr="Information sur vos données personnelles",
        title_en="How we use your personal data",
        body_fr="Vos nom, société et heures de visite sont enregistrés pour la sécurité du site et "
        "conservés selon notre politique de conservation.",
        body_en="Your name, company and visit times are recorded for site security and kept according "
        "to our retention policy.",
    )
