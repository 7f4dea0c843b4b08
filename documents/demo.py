"""Demo rows: a safety text and a privacy notice, required by every visit type."""

from config import translated
from visitors.models import VisitType

from . import services
from .models import ConsentKind, ConsentText

SAFETY = {
    "title": {
        "fr": "Consignes de sécurité",
        "en": "Safety rules",
        "de": "Sicherheitshinweise",
    },
    "body": {
        "fr": "Portez votre badge en permanence. En cas d'alarme, suivez les consignes d'évacuation "
        "et rejoignez le point de rassemblement.",
        "en": "Wear your badge at all times. If the alarm sounds, follow the evacuation instructions "
        "and go to the assembly point.",
        "de": "Tragen Sie Ihren Ausweis jederzeit sichtbar. Folgen Sie bei Alarm den Anweisungen zur "
        "Evakuierung und begeben Sie sich zum Sammelplatz.",
    },
}
PRIVACY = {
    "title": {
        "fr": "Information sur vos données personnelles",
        "en": "How we use your personal data",
        "de": "Informationen zu Ihren personenbezogenen Daten",
    },
    "body": {
        "fr": "Vos nom, société et heures de visite sont enregistrés pour la sécurité du site et "
        "conservés selon notre politique de conservation.",
        "en": "Your name, company and visit times are recorded for site security and kept according "
        "to our retention policy.",
        "de": "Ihr Name, Ihr Unternehmen und Ihre Besuchszeiten werden für die Sicherheit des Standorts "
        "erfasst und gemäß unserer Aufbewahrungsrichtlinie gespeichert.",
    },
}


def _configured(wording: dict) -> dict:
    """The demo's wording in the configured languages it has words for."""
    codes = translated.languages()
    return {attribute: {c: t for c, t in texts.items() if c in codes} for attribute, texts in wording.items()}


def seed(org) -> None:
    if ConsentText.objects.exists():
        return
    visit_types = list(VisitType.objects.all())
    services.create_consent_text(
        organization=org,
        kind=ConsentKind.SAFETY,
        visit_types=visit_types,
        validity_months=12,
        **_configured(SAFETY),
    )
    services.create_consent_text(
        organization=org,
        kind=ConsentKind.PRIVACY,
        visit_types=visit_types,
        **_configured(PRIVACY),
    )
