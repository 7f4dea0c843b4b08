"""Message wording: a deliberately small template language, checked when saved.

Templates are written by customers' admins, so they get no logic, no attribute
access and no tags: only `{{ name }}` placeholders from a fixed list, replaced
by plain text. An unknown name or a broken placeholder is refused when the
template is saved, with its line, rather than discovered by a guest reading an
e-mail with a hole in it. SMS bodies are also measured in segments (what the
operator bills), GSM-7 or UCS-2 as the characters require.
"""

import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# name -> what it holds, shown in the editor.
VARIABLES = {
    "visitor.first_name": gettext_lazy("Visitor's first name"),
    "visitor.last_name": gettext_lazy("Visitor's last name"),
    "visitor.full_name": gettext_lazy("Visitor's full name"),
    "visitor.company": gettext_lazy("Visitor's company"),
    "visit.date": gettext_lazy("Expected date"),
    "visit.time": gettext_lazy("Expected time"),
    "visit.until": gettext_lazy("Expected end time"),
    "visit.status": gettext_lazy("Visit status"),
    "visit.arrived_time": gettext_lazy("Arrival time"),
    "visit.departed_time": gettext_lazy("Departure time"),
    "host.name": gettext_lazy("Host's name"),
    "host.email": gettext_lazy("Host's e-mail address"),
    "site.name": gettext_lazy("Site"),
    "site.address": gettext_lazy("Site address"),
    "desk.name": gettext_lazy("Desk"),
    "visit_type.name": gettext_lazy("Visit type"),
    "organization.name": gettext_lazy("Organization"),
    "recipient.name": gettext_lazy("Recipient's name"),
    "qr_link": gettext_lazy("Link to the visitor's QR code"),
    "visit.links": gettext_lazy("Links added to invitations (e.g. documents to sign)"),
    "visit.url": gettext_lazy("Link to the visit page (for staff: approve, refuse, follow)"),
    "visit.cancellation_reason": gettext_lazy("Reason given for the cancellation (may be empty)"),
    "visit.refusal_reason": gettext_lazy("Reason given for the refusal"),
}

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")
MAX_SMS_SEGMENTS = 10


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self):
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


def problems(text: str) -> list[Problem]:
    """Every syntax error and unknown variable of `text`, with its line."""
    found = []
    for number, line in enumerate(text.splitlines() or [""], start=1):
        if "{%" in line:
            found.append(Problem(number, _("tags like {% … %} are not allowed, only variables.")))
        rest = PLACEHOLDER.sub("", line)
        if "{{" in rest:
            found.append(Problem(number, _("a “{{” is not closed by “}}”.")))
        elif "}}" in rest:
            found.append(Problem(number, _("a “}}” has no opening “{{”.")))
        for match in PLACEHOLDER.finditer(line):
            name = match.group(1).strip()
            if not NAME.match(name):
                found.append(
                    Problem(number, _("“%(text)s” is not a variable name.") % {"text": match.group(0)})
                )
            elif name not in VARIABLES:
                found.append(Problem(number, _("unknown variable “%(name)s”.") % {"name": name}))
    return found


def render(text: str, context: dict[str, str]) -> str:
    """Replace placeholders; the text was checked when saved, so a name missing
    from `context` (a visit without desk) becomes empty rather than an error."""
    rendered = PLACEHOLDER.sub(lambda m: str(context.get(m.group(1).strip(), "") or ""), text)
    # An empty variable on its own line would leave a hole of blank lines.
    return re.sub(r"\n{3,}", "\n\n", rendered)


# --- SMS length --------------------------------------------------------------------------
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int


# French typography puts a narrow no-break space before : ; ? ! and inside « »;
# GSM-7 has no such space, and one character outside it would turn the whole
# SMS to UCS-2 (70 characters a segment instead of 160): an SMS goes out with a
# plain space there.
_SMS_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def for_sms(text: str) -> str:
    """The text an SMS carries (see _SMS_SPACES)."""
    return text.translate(_SMS_SPACES)


def sms_length(text: str) -> SmsLength:
    """Segments as an operator counts them: one GSM-7 segment holds 160
    characters (153 when concatenated, escape characters count twice); one
    character outside GSM-7 switches the whole message to UCS-2: 70 (67)."""
    text = for_sms(text)
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / multi)
    return SmsLength(encoding, units, segments)


def validate(*, channel: str, subject: str, body: str, sample: dict[str, str] | None = None) -> None:
    """Raise ValidationError({"subject"|"body": [...]}) for a template that must
    not be saved."""
    errors: dict[str, list[str]] = {}
    if channel == "email":
        subject_problems = problems(subject)
        if "\n" in subject.strip():
            subject_problems.append(Problem(1, _("a subject is one line.")))
        if subject_problems:
            errors["subject"] = [str(p) for p in subject_problems]
        if not subject.strip():
            errors.setdefault("subject", []).append(_("An e-mail needs a subject."))
    body_problems = problems(body)
    if body_problems:
        errors["body"] = [str(p) for p in body_problems]
    elif channel == "sms":
        length = sms_length(render(body, sample if sample is not None else sample_context()))
        if length.segments > MAX_SMS_SEGMENTS:
            errors["body"] = [
                _("This SMS would take %(segments)d segments (%(encoding)s); the limit is %(limit)d.")
                % {"segments": length.segments, "encoding": length.encoding, "limit": MAX_SMS_SEGMENTS}
            ]
    if not body.strip():
        errors.setdefault("body", []).append(_("The body cannot be empty."))
    if errors:
        raise ValidationError(errors)


# The sample's words that depend on the language (others are names and numbers).
SAMPLE_WORDS = {
    "fr": {
        "visit.date": "3 mars 2026",
        "visit.status": "Sur site",
        "visit_type.name": "Visiteur",
        "visit.cancellation_reason": "Réunion reportée",
        "visit.refusal_reason": "Pas d'accompagnateur ce jour-là",
    },
    "en": {
        "visit.date": "3 March 2026",
        "visit.status": "On site",
        "visit_type.name": "Visitor",
        "visit.cancellation_reason": "Meeting postponed",
        "visit.refusal_reason": "No escort available that day",
    },
    "de": {
        "visit.date": "3. März 2026",
        "visit.status": "Vor Ort",
        "visit_type.name": "Besucher",
        "visit.cancellation_reason": "Besprechung verschoben",
        "visit.refusal_reason": "An diesem Tag keine Begleitperson verfügbar",
    },
}


def sample_context(language: str = "fr") -> dict[str, str]:
    """Values for previews and for measuring SMS: realistic lengths, fake people."""
    code = (language or "").split("-")[0]
    words = SAMPLE_WORDS.get(code) or SAMPLE_WORDS[settings.LANGUAGE_CODE]
    return {
        "visitor.first_name": "Hélène",
        "visitor.last_name": "Lefèvre",
        "visitor.full_name": "Hélène Lefèvre",
        "visitor.company": "Acme Conseil",
        "visit.time": "09:30",
        "visit.until": "11:30",
        "visit.arrived_time": "09:27",
        "visit.departed_time": "11:12",
        "host.name": "Jean Dupont",
        "host.email": "jean.dupont@example.com",
        "site.name": "Lyon — Siège",
        "site.address": "12 rue de la République, 69002 Lyon",
        "desk.name": "Accueil principal",
        "organization.name": "Acme Industrie",
        "recipient.name": "Jean Dupont",
        "qr_link": "https://vestibule.example.com/visits/invitation/AbCdEf123456/",
        "visit.links": "Documents: https://vestibule.example.com/documents/sign/AbCdEf/",
        "visit.url": "https://vestibule.example.com/visits/618/",
        **words,
    }
