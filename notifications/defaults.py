"""Shipped wording for every event, channel and language, and the rule every
organization starts with (the visitor's invitation by e-mail).

An organization's own MessageTemplate replaces one of these; deleting it brings
the default back. They are code, not rows, so an improvement reaches every
customer who kept the default.
"""

from django.conf import settings

from .models import Event

EMAIL_SIGNATURE = {
    "fr": "\n\n— {{ organization.name }}, via Vestibule",
    "en": "\n\n— {{ organization.name }}, via Vestibule",
    "de": "\n\n— {{ organization.name }}, via Vestibule",
}

# (event, language) -> (subject, e-mail body, SMS body)
TEXTS: dict[tuple[str, str], tuple[str, str, str]] = {
    (Event.PRE_REGISTERED, "fr"): (
        "Votre visite chez {{ organization.name }} le {{ visit.date }}",
        "Bonjour {{ visitor.first_name }},\n\n"
        "{{ host.name }} vous attend le {{ visit.date }} à {{ visit.time }} sur le site "
        "{{ site.name }} ({{ site.address }}).\n\n"
        "Présentez ce code QR à l'accueil pour un enregistrement rapide\u202f:\n{{ qr_link }}\n\n"
        "{{ visit.links }}",
        "{{ organization.name }}\u202f: visite le {{ visit.date }} à {{ visit.time }}, {{ site.name }}. "
        "Code QR\u202f: {{ qr_link }}",
    ),
    (Event.PRE_REGISTERED, "en"): (
        "Your visit to {{ organization.name }} on {{ visit.date }}",
        "Hello {{ visitor.first_name }},\n\n"
        "{{ host.name }} expects you on {{ visit.date }} at {{ visit.time }} at "
        "{{ site.name }} ({{ site.address }}).\n\n"
        "Show this QR code at reception for a quick check-in:\n{{ qr_link }}\n\n{{ visit.links }}",
        "{{ organization.name }}: visit on {{ visit.date }} at {{ visit.time }}, {{ site.name }}. "
        "QR code: {{ qr_link }}",
    ),
    (Event.UPDATED, "fr"): (
        "Votre visite chez {{ organization.name }} a changé",
        "Bonjour {{ visitor.first_name }},\n\n"
        "Votre visite a été modifiée\u202f: elle est prévue le {{ visit.date }} à {{ visit.time }} "
        "sur le site {{ site.name }}.\n\nVotre code QR\u202f:\n{{ qr_link }}",
        "{{ organization.name }}\u202f: visite modifiée, {{ visit.date }} à {{ visit.time }}, "
        "{{ site.name }}.",
    ),
    (Event.UPDATED, "en"): (
        "Your visit to {{ organization.name }} has changed",
        "Hello {{ visitor.first_name }},\n\n"
        "Your visit has changed: you are expected on {{ visit.date }} at {{ visit.time }} "
        "at {{ site.name }}.\n\nYour QR code:\n{{ qr_link }}",
        "{{ organization.name }}: visit changed, {{ visit.date }} at {{ visit.time }}, {{ site.name }}.",
    ),
    (Event.CANCELLED, "fr"): (
        "Visite annulée\u202f: {{ visit.date }}",
        "Bonjour {{ recipient.name }},\n\n"
        "La visite de {{ visitor.full_name }} prévue le {{ visit.date }} à {{ visit.time }} "
        "sur le site {{ site.name }} est annulée."
        "\n\n{{ visit.cancellation_reason }}",
        "{{ organization.name }}\u202f: la visite du {{ visit.date }} à {{ visit.time }} est annulée.",
    ),
    (Event.CANCELLED, "en"): (
        "Visit cancelled: {{ visit.date }}",
        "Hello {{ recipient.name }},\n\n"
        "The visit of {{ visitor.full_name }} planned on {{ visit.date }} at {{ visit.time }} "
        "at {{ site.name }} is cancelled."
        "\n\n{{ visit.cancellation_reason }}",
        "{{ organization.name }}: the visit on {{ visit.date }} at {{ visit.time }} is cancelled.",
    ),
    (Event.ARRIVED, "fr"): (
        "Arrivée de {{ visitor.full_name }}",
        "Bonjour {{ recipient.name }},\n\n"
        "Arrivée de {{ visitor.full_name }} ({{ visitor.company }}) enregistrée à {{ visit.arrived_time }} "
        "à l'accueil {{ desk.name }}, site {{ site.name }}.",
        "Vestibule\u202f: arrivée de {{ visitor.full_name }} à {{ visit.arrived_time }}, {{ desk.name }}.",
    ),
    (Event.ARRIVED, "en"): (
        "{{ visitor.full_name }} has arrived",
        "Hello {{ recipient.name }},\n\n"
        "{{ visitor.full_name }} ({{ visitor.company }}) arrived at {{ visit.arrived_time }} "
        "at {{ desk.name }}, {{ site.name }}.",
        "Vestibule: {{ visitor.full_name }} arrived at {{ visit.arrived_time }}, {{ desk.name }}.",
    ),
    (Event.DEPARTED, "fr"): (
        "Sortie de {{ visitor.full_name }}",
        "Bonjour {{ recipient.name }},\n\n"
        "Sortie de {{ visitor.full_name }} enregistrée sur le site {{ site.name }} "
        "à {{ visit.departed_time }}.",
        "Vestibule\u202f: sortie de {{ visitor.full_name }} à {{ visit.departed_time }}.",
    ),
    (Event.DEPARTED, "en"): (
        "{{ visitor.full_name }} has left",
        "Hello {{ recipient.name }},\n\n"
        "{{ visitor.full_name }} left {{ site.name }} at {{ visit.departed_time }}.",
        "Vestibule: {{ visitor.full_name }} left at {{ visit.departed_time }}.",
    ),
    (Event.OVERDUE, "fr"): (
        "{{ visitor.full_name }} est encore sur site",
        "Bonjour {{ recipient.name }},\n\n"
        "La visite de {{ visitor.full_name }} ({{ visitor.company }}) est toujours en cours sur le site "
        "{{ site.name }} alors qu'elle devait se terminer à {{ visit.until }}.",
        "Vestibule\u202f: {{ visitor.full_name }} est encore sur site ({{ site.name }}), "
        "fin prévue {{ visit.until }}.",
    ),
    (Event.OVERDUE, "en"): (
        "{{ visitor.full_name }} is still on site",
        "Hello {{ recipient.name }},\n\n"
        "{{ visitor.full_name }} ({{ visitor.company }}) is still checked in at {{ site.name }} "
        "although the visit was expected to end at {{ visit.until }}.",
        "Vestibule: {{ visitor.full_name }} is still on site ({{ site.name }}), "
        "expected end {{ visit.until }}.",
    ),
    (Event.DENIED, "fr"): (
        "Visite refusée\u202f: {{ visitor.full_name }}",
        "Bonjour {{ recipient.name }},\n\n"
        "La visite de {{ visitor.full_name }} prévue le {{ visit.date }} sur le site {{ site.name }} "
        "a été refusée.",
        "Vestibule\u202f: visite de {{ visitor.full_name }} refusée ({{ site.name }}).",
    ),
    (Event.DENIED, "en"): (
        "Visit refused: {{ visitor.full_name }}",
        "Hello {{ recipient.name }},\n\n"
        "The visit of {{ visitor.full_name }} planned on {{ visit.date }} at {{ site.name }} was refused.",
        "Vestibule: visit of {{ visitor.full_name }} refused ({{ site.name }}).",
    ),
    (Event.PENDING_APPROVAL, "fr"): (
        "Visite à approuver\u202f: {{ visitor.full_name }}",
        "Bonjour {{ recipient.name }},\n\n"
        "La visite de {{ visitor.full_name }} ({{ visit_type.name }}) le {{ visit.date }} à "
        "{{ visit.time }}, site {{ site.name }}, attend votre approbation."
        "\n\nPour l'approuver ou la refuser\u202f: {{ visit.url }}",
        "Vestibule\u202f: visite de {{ visitor.full_name }} le {{ visit.date }} à approuver.",
    ),
    (Event.PENDING_APPROVAL, "en"): (
        "Visit to approve: {{ visitor.full_name }}",
        "Hello {{ recipient.name }},\n\n"
        "The visit of {{ visitor.full_name }} ({{ visit_type.name }}) on {{ visit.date }} at "
        "{{ visit.time }}, {{ site.name }}, is waiting for your approval."
        "\n\nTo approve or refuse it: {{ visit.url }}",
        "Vestibule: visit of {{ visitor.full_name }} on {{ visit.date }} to approve.",
    ),
    (Event.CONSENT_SIGNED, "fr"): (
        "{{ visitor.full_name }} a signé un consentement",
        "Bonjour {{ recipient.name }},\n\n"
        "{{ visitor.full_name }} a signé un consentement pour sa visite du {{ visit.date }} "
        "sur le site {{ site.name }}.",
        "Vestibule\u202f: {{ visitor.full_name }} a signé un consentement.",
    ),
    (Event.CONSENT_SIGNED, "en"): (
        "{{ visitor.full_name }} signed a consent",
        "Hello {{ recipient.name }},\n\n"
        "{{ visitor.full_name }} signed a consent for the visit on {{ visit.date }} at {{ site.name }}.",
        "Vestibule: {{ visitor.full_name }} signed a consent.",
    ),
}


# Approvals and refusals, told to the host (visit.approved, visit.refused).
TEXTS.update(
    {
        (Event.APPROVED, "fr"): (
            "Visite approuvée\u202f: {{ visitor.full_name }}, le {{ visit.date }}",
            "Bonjour {{ recipient.name }},\n\n"
            "La visite de {{ visitor.full_name }} ({{ visit_type.name }}) le {{ visit.date }} à "
            "{{ visit.time }}, site {{ site.name }}, est approuvée. Le visiteur reçoit son invitation "
            "s'il a une adresse e-mail.\n\n{{ visit.url }}",
            "Vestibule\u202f: visite de {{ visitor.full_name }} le {{ visit.date }} approuvée.",
        ),
        (Event.APPROVED, "en"): (
            "Visit approved: {{ visitor.full_name }}, on {{ visit.date }}",
            "Hello {{ recipient.name }},\n\n"
            "The visit of {{ visitor.full_name }} ({{ visit_type.name }}) on {{ visit.date }} at "
            "{{ visit.time }}, {{ site.name }}, is approved. The visitor receives the invitation "
            "when they have an e-mail address.\n\n{{ visit.url }}",
            "Vestibule: visit of {{ visitor.full_name }} on {{ visit.date }} approved.",
        ),
        (Event.REFUSED, "fr"): (
            "Visite refusée\u202f: {{ visitor.full_name }}, le {{ visit.date }}",
            "Bonjour {{ recipient.name }},\n\n"
            "La visite de {{ visitor.full_name }} ({{ visit_type.name }}) le {{ visit.date }} à "
            "{{ visit.time }}, site {{ site.name }}, n'est pas approuvée.\n\n"
            "Motif\u202f: {{ visit.refusal_reason }}\n\n{{ visit.url }}",
            "Vestibule\u202f: visite de {{ visitor.full_name }} le {{ visit.date }} refusée\u202f: "
            "{{ visit.refusal_reason }}",
        ),
        (Event.REFUSED, "en"): (
            "Visit refused: {{ visitor.full_name }}, on {{ visit.date }}",
            "Hello {{ recipient.name }},\n\n"
            "The visit of {{ visitor.full_name }} ({{ visit_type.name }}) on {{ visit.date }} at "
            "{{ visit.time }}, {{ site.name }}, is not approved.\n\n"
            "Reason: {{ visit.refusal_reason }}\n\n{{ visit.url }}",
            "Vestibule: visit of {{ visitor.full_name }} on {{ visit.date }} refused: "
            "{{ visit.refusal_reason }}",
        ),
    }
)


# German (a configured language with no wording here falls back to LANGUAGE_CODE's).
TEXTS.update(
    {
        (Event.PRE_REGISTERED, "de"): (
            "Ihr Besuch bei {{ organization.name }} am {{ visit.date }}",
            "Guten Tag {{ visitor.first_name }},\n\n"
            "{{ host.name }} erwartet Sie am {{ visit.date }} um {{ visit.time }} am Standort "
            "{{ site.name }} ({{ site.address }}).\n\n"
            "Zeigen Sie diesen QR-Code am Empfang für eine schnelle Anmeldung:\n{{ qr_link }}\n\n"
            "{{ visit.links }}",
            "{{ organization.name }}: Besuch am {{ visit.date }} um {{ visit.time }}, {{ site.name }}. "
            "QR-Code: {{ qr_link }}",
        ),
        (Event.UPDATED, "de"): (
            "Ihr Besuch bei {{ organization.name }} wurde geändert",
            "Guten Tag {{ visitor.first_name }},\n\n"
            "Ihr Besuch wurde geändert: Sie werden am {{ visit.date }} um {{ visit.time }} "
            "am Standort {{ site.name }} erwartet.\n\nIhr QR-Code:\n{{ qr_link }}",
            "{{ organization.name }}: Besuch geändert, {{ visit.date }} um {{ visit.time }}, "
            "{{ site.name }}.",
        ),
        (Event.CANCELLED, "de"): (
            "Besuch abgesagt: {{ visit.date }}",
            "Guten Tag {{ recipient.name }},\n\n"
            "Der Besuch von {{ visitor.full_name }} am {{ visit.date }} um {{ visit.time }} "
            "am Standort {{ site.name }} wurde abgesagt."
            "\n\n{{ visit.cancellation_reason }}",
            "{{ organization.name }}: Der Besuch am {{ visit.date }} um {{ visit.time }} wurde abgesagt.",
        ),
        (Event.ARRIVED, "de"): (
            "{{ visitor.full_name }} ist eingetroffen",
            "Guten Tag {{ recipient.name }},\n\n"
            "{{ visitor.full_name }} ({{ visitor.company }}) ist um {{ visit.arrived_time }} "
            "am Empfang {{ desk.name }}, Standort {{ site.name }}, eingetroffen.",
            "Vestibule: {{ visitor.full_name }} ist um {{ visit.arrived_time }} eingetroffen, "
            "{{ desk.name }}.",
        ),
        (Event.DEPARTED, "de"): (
            "{{ visitor.full_name }} hat den Standort verlassen",
            "Guten Tag {{ recipient.name }},\n\n"
            "{{ visitor.full_name }} hat den Standort {{ site.name }} um {{ visit.departed_time }} "
            "verlassen.",
            "Vestibule: {{ visitor.full_name }} ist um {{ visit.departed_time }} gegangen.",
        ),
        (Event.OVERDUE, "de"): (
            "{{ visitor.full_name }} ist noch vor Ort",
            "Guten Tag {{ recipient.name }},\n\n"
            "{{ visitor.full_name }} ({{ visitor.company }}) ist am Standort {{ site.name }} noch "
            "angemeldet, obwohl der Besuch um {{ visit.until }} enden sollte.",
            "Vestibule: {{ visitor.full_name }} ist noch vor Ort ({{ site.name }}), "
            "geplantes Ende {{ visit.until }}.",
        ),
        (Event.DENIED, "de"): (
            "Besuch abgelehnt: {{ visitor.full_name }}",
            "Guten Tag {{ recipient.name }},\n\n"
            "Der Besuch von {{ visitor.full_name }} am {{ visit.date }} am Standort {{ site.name }} "
            "wurde abgelehnt.",
            "Vestibule: Besuch von {{ visitor.full_name }} abgelehnt ({{ site.name }}).",
        ),
        (Event.PENDING_APPROVAL, "de"): (
            "Besuch zu genehmigen: {{ visitor.full_name }}",
            "Guten Tag {{ recipient.name }},\n\n"
            "Der Besuch von {{ visitor.full_name }} ({{ visit_type.name }}) am {{ visit.date }} um "
            "{{ visit.time }}, Standort {{ site.name }}, wartet auf Ihre Genehmigung."
            "\n\nZum Genehmigen oder Ablehnen: {{ visit.url }}",
            "Vestibule: Besuch von {{ visitor.full_name }} am {{ visit.date }} zu genehmigen.",
        ),
        (Event.CONSENT_SIGNED, "de"): (
            "{{ visitor.full_name }} hat eine Einwilligung unterschrieben",
            "Guten Tag {{ recipient.name }},\n\n"
            "{{ visitor.full_name }} hat eine Einwilligung für den Besuch am {{ visit.date }} "
            "am Standort {{ site.name }} unterschrieben.",
            "Vestibule: {{ visitor.full_name }} hat eine Einwilligung unterschrieben.",
        ),
        (Event.APPROVED, "de"): (
            "Besuch genehmigt: {{ visitor.full_name }}, am {{ visit.date }}",
            "Guten Tag {{ recipient.name }},\n\n"
            "Der Besuch von {{ visitor.full_name }} ({{ visit_type.name }}) am {{ visit.date }} um "
            "{{ visit.time }}, Standort {{ site.name }}, ist genehmigt. Der Besucher erhält seine "
            "Einladung, wenn er eine E-Mail-Adresse hat.\n\n{{ visit.url }}",
            "Vestibule: Besuch von {{ visitor.full_name }} am {{ visit.date }} genehmigt.",
        ),
        (Event.REFUSED, "de"): (
            "Besuch abgelehnt: {{ visitor.full_name }}, am {{ visit.date }}",
            "Guten Tag {{ recipient.name }},\n\n"
            "Der Besuch von {{ visitor.full_name }} ({{ visit_type.name }}) am {{ visit.date }} um "
            "{{ visit.time }}, Standort {{ site.name }}, ist nicht genehmigt.\n\n"
            "Grund: {{ visit.refusal_reason }}\n\n{{ visit.url }}",
            "Vestibule: Besuch von {{ visitor.full_name }} am {{ visit.date }} abgelehnt: "
            "{{ visit.refusal_reason }}",
        ),
    }
)


def default_template(event: str, channel: str, language: str) -> tuple[str, str]:
    """(subject, body) shipped for this event, channel and language (else in
    settings.LANGUAGE_CODE, for a configured language not written here yet)."""
    if (event, language) not in TEXTS:
        language = settings.LANGUAGE_CODE
    subject, email_body, sms_body = TEXTS[(event, language)]
    if channel == "sms":
        return "", sms_body
    return subject, email_body + EMAIL_SIGNATURE[language]


DEFAULT_RULE = {
    # By the organization's default language; else LANGUAGE_CODE's.
    "names": {"fr": "Invitation du visiteur", "en": "Visitor invitation", "de": "Einladung des Besuchers"},
    "event": Event.PRE_REGISTERED,
}
