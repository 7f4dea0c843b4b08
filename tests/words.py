"""What a person must never read on a screen, and French typography rules, as
checks shared by tests/test_french.py and the browser journeys.

`typography_faults(text)` and `code_faults(text)` return the offending
excerpts (empty when the text is clean). They look at text a person reads:
strip markup first (`visible_text(html)`).
"""

import re
from html.parser import HTMLParser

NNBSP = "\u202f"

# A `; ? !` or a `:` that ends a word of prose: preceded by a letter, a digit, a
# closing bracket/quote or a placeholder's end, and followed by a space, the end
# of the text or a tag. Times (09:12), URLs (https://), ratios and format
# strings (H:i, %H:%M) have no space after the sign, so they never match; a
# sign preceded by the narrow no-break space (or a no-break space) is right.
_SIGN_AFTER_WORD = re.compile(r"(?P<before>[\w)\]»\u201d\u2019}%])(?P<sign>[:;?!])(?=\s|$|<|»)")
_SIGN_AFTER_SPACE = re.compile(r"(?P<before>[\w)\]»\u201d\u2019}%]) (?P<sign>[:;?!])(?=\s|$|<|»)")

# Known bad French forms.
BAD_FORMS = [
    (re.compile(r"\ben tant que %\("), "elision: “en tant que %(…)” (reword)"),
    (re.compile(r"\ben tant que [AEIOUÉÈ]"), "elision: “en tant que” before a vowel"),
    (
        re.compile(r"(?<![-\w])(?:que|de|le|la|ne|se|je|ce) (?:[aeiouéèêàâîôû][a-zéèêàâîôûç]+)\b"),
        "missing elision",
    ),
    (re.compile(r"\best (?:arrivée?|repartie?|partie?|sortie?)\b"), "gendered participle for a visitor"),
    (re.compile(r"\bpréenregistr", re.IGNORECASE), "spelling: “pré-enregistr…”"),
    (
        re.compile(
            r"(?<![\d,.])\b[01] (?:modèles|visites|lignes|sites|guichets|messages|entrées|visiteurs|exports"
            r"|fichiers|documents|badges|règles|listes|membres|personnes|jours|consentements|envois)\b"
        ),
        "plural after 0 or 1 (use ngettext)",
    ),
]
# Words starting with a vowel that take no elision (they are not words that
# follow que/de/le… in prose, or the h is aspirated), and English inside French.
_ELISION_OK = re.compile(r"\b(?:de|le|la) (?:oui|ou|onze|un des|une des)\b")

# Codes written for developers that must not reach a person.
CODE_PATTERNS = [
    (
        re.compile(
            r"\b(?:visit|visitor|visit_type|auth|badge|badge_template|consent|consent_text|document|documents"
            r"|export|export_schedule|retention|restore|backup|site|desk|kiosk|message|message_template"
            r"|notification_rule|notification_list|organization|membership|config|watchlist)\.[a-z_]{3,}\b"
        ),
        "event code",
    ),
    (
        re.compile(r"\b(?:visitors|tenancy|sites|documents|badges|retention|reports)\.[a-z]+ #\d+"),
        "object code",
    ),
    (re.compile(r"\b(?:user|token|system) #\d+"), "object code"),
    (
        re.compile(
            r"\b(?:visitor_identities|signed_consents|send_log|export_files|journal_entries|attachments_index"
            r"|pre_registered|pending_approval|no_show|visitor_id|host_id|visit_type_id|desk_id|site_id)\b"
        ),
        "data code",
    ),
    (re.compile(r"\banonymise\b"), "action code"),
    # Python's None; not the English word in a sentence ("None ticked: all.").
    (re.compile(r"\bNone\b(?! [a-z])"), "None"),
    (re.compile(r"\{'[a-z_]+': "), "Python dict"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"), "ISO date and time"),
]


def _excerpt(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start) : end].split())


def typography_faults(text: str) -> list[str]:
    """French typography and grammar faults in a French text."""
    faults = []
    for pattern in (_SIGN_AFTER_WORD, _SIGN_AFTER_SPACE):
        for match in pattern.finditer(text):
            excerpt = _excerpt(text, match.start() - 30, match.end() + 10)
            faults.append(f"space before “{match['sign']}”: …{excerpt}…")
    for pattern, what in BAD_FORMS:
        for match in pattern.finditer(text):
            if what == "missing elision" and _ELISION_OK.match(text, match.start()):
                continue
            faults.append(f"{what}: …{_excerpt(text, match.start() - 20, match.end() + 10)}…")
    return faults


def code_faults(text: str) -> list[str]:
    faults = []
    for pattern, what in CODE_PATTERNS:
        for match in pattern.finditer(text):
            faults.append(f"{what}: …{_excerpt(text, match.start() - 30, match.end() + 20)}…")
    return faults


class _Text(HTMLParser):
    SKIP = {"script", "style", "textarea", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        # Words a person reads that live in attributes.
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.parts.append(f"\n{value}\n")
        if tag in ("br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "option", "dt", "dd"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def journal_some_days_work(slug):
    """Journal entries of the kinds a person reads (an arrival at a desk, a
    change with its fields, a cancellation, an export, a person erased since),
    as their services record them, so the journal and send log have rows."""
    from django.utils import timezone

    from audit import services as audit
    from sites.models import Desk
    from tenancy.context import Actor, current_actor
    from tenancy.models import Membership, Organization
    from tenancy.scope import tenant_scope
    from visitors.models import Visit

    org = Organization.objects.get(slug=slug)
    with tenant_scope(org):
        admin = Membership.objects.get(role="admin")
        token = current_actor.set(Actor(user_id=admin.user_id))
        try:
            visits = list(Visit.objects.select_related("visitor").order_by("pk")[:3])
            desk = Desk.objects.filter(site=visits[0].site).first()
            data = {"visit_id": visits[0].pk, "visitor_id": visits[0].visitor_id, "host_id": admin.pk}
            audit.record(
                "visit.arrived", target=visits[0], site=visits[0].site_id, data={**data, "desk_id": desk.pk}
            )
            audit.record(
                "visit.updated", target=visits[1], site=visits[1].site_id, data={"fields": ["expected_at"]}
            )
            audit.record("visit.cancelled", target=visits[2], site=visits[2].site_id, data={})
            audit.record("export.created", data={"dataset": "visits"})
            audit.record("retention.archive_opened", data={"data_type": "visitor_identities"})
            erased = visits[2].visitor
            erased.first_name, erased.last_name, erased.anonymized_at = "", "", timezone.now()
            erased.save()
        finally:
            current_actor.reset(token)
