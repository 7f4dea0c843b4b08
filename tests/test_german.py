"""German, the third language: every French catalogue has a German twin in
which every French msgid is translated (plural forms included), with the same
placeholders and markup as the English msgid, German typography, and no French
left over; and a page asked for in German reads in German.

Rules: „…“ quotes (never « » nor straight double quotes), no space before
`: ? !` (and none before `;` in prose), no narrow no-break space; a German
msgstr equal to the French one only for the words both languages write alike
(`SAME_IN_GERMAN_AND_FRENCH`).
"""

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tenancy.demo import DEMO, ROLES

from .test_french import _pages
from .words import NNBSP, code_faults, journal_some_days_work, visible_text

BASE = Path(settings.BASE_DIR)
FRENCH = sorted(
    [*BASE.glob("locale/fr/LC_MESSAGES/django.po"), *BASE.glob("*/locale/fr/LC_MESSAGES/django.po")]
)


def _german(french_path: Path) -> Path:
    return french_path.parent.parent.parent / "de" / "LC_MESSAGES" / "django.po"


# Words German and French write alike: names, codes, and a few true cognates (a
# text of placeholders and signs only, "%(field)s (%(language)s)", is alike too).
SAME_IN_GERMAN_AND_FRENCH = {
    "Adresse",
    "API",
    "Liste",
    "Logo",
    "Organisation",
    "SHA-256",
    "SMS",
    "Version",
    "[Test]",
}

# Placeholders, template variables and tags, markup and entities: what gettext
# or the template fills in and what the browser interprets must survive as is.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{ ?[\w.]+ ?\}\}|\{[\w.]*\}|<[^>]+>|&\w+;")

# A sign of `: ? !` (or `;` in prose, not the CSV separator "; oder ,") after a
# space, the French way; French quotes; a French narrow no-break space.
_SPACE_BEFORE_SIGN = re.compile(r"(?<=[\w)\]“%]) (?:[:?!]|;(?! oder))(?=\s|$|<)")


def german_typography_faults(text: str) -> list[str]:
    faults = []
    for match in _SPACE_BEFORE_SIGN.finditer(text):
        excerpt = text[max(0, match.start() - 20) : match.end() + 10]
        faults.append(f"space before “{match.group(0).strip()}”: …{excerpt}…")
    if "«" in text or "»" in text:
        faults.append(f"French quotes: {text}")
    if '"' in text:
        faults.append(f"straight double quotes (use „…“): {text}")
    if NNBSP in text:
        faults.append(f"narrow no-break space (French typography): {text!r}")
    return faults


def _key(entry):
    return (entry.msgctxt, entry.msgid)


def _pairs(entry):
    """(source, translation) for each form: the singular against msgid, the
    plural against msgid_plural."""
    if entry.msgid_plural:
        return [
            (entry.msgid, entry.msgstr_plural.get(0, "")),
            (entry.msgid_plural, entry.msgstr_plural.get(1, "")),
        ]
    return [(entry.msgid, entry.msgstr)]


def _catalogues():
    return [(fr, _german(fr)) for fr in FRENCH]


def test_every_app_with_french_has_german():
    names = {p.relative_to(BASE).parts[0] for p in FRENCH}
    assert {
        "locale",
        "audit",
        "backups",
        "badges",
        "documents",
        "notifications",
        "reports",
        "retention",
        "visitors",
    } <= names
    missing = [str(de.relative_to(BASE)) for _fr, de in _catalogues() if not de.exists()]
    assert not missing, missing


def test_german_is_a_language_of_the_site():
    assert "de" in dict(settings.LANGUAGES)


@pytest.mark.parametrize("paths", _catalogues(), ids=lambda p: str(p[1].relative_to(BASE)))
def test_german_catalogue_translates_every_french_msgid(paths):
    french_path, german_path = paths
    german = polib.pofile(str(german_path))
    assert german.metadata.get("Language") == "de"
    assert german.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    entries = {_key(e): e for e in german if not e.obsolete}
    faults = []
    for french in polib.pofile(str(french_path)):
        if french.obsolete:
            continue  # a fuzzy French entry is still a msgid to translate
        entry = entries.get(_key(french))
        if entry is None:
            faults.append(f"missing: {french.msgid!r}")
            continue
        if "fuzzy" in entry.flags:
            faults.append(f"fuzzy: {french.msgid!r}")
        if bool(entry.msgid_plural) != bool(french.msgid_plural):
            faults.append(f"plural form differs: {french.msgid!r}")
        for source, text in _pairs(entry):
            if not text.strip():
                faults.append(f"empty: {source!r}")
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("paths", _catalogues(), ids=lambda p: str(p[1].relative_to(BASE)))
def test_german_keeps_placeholders_markup_and_line_ends(paths):
    _french_path, german_path = paths
    faults = []
    for entry in polib.pofile(str(german_path)):
        if entry.obsolete:
            continue
        for source, text in _pairs(entry):
            if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(text)):
                faults.append(f"line {entry.linenum}: placeholders of {source!r} not in {text!r}")
            if source.startswith("\n") != text.startswith("\n") or source.endswith("\n") != text.endswith(
                "\n"
            ):
                faults.append(f"line {entry.linenum}: newline at the ends of {source!r}")
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("paths", _catalogues(), ids=lambda p: str(p[1].relative_to(BASE)))
def test_german_is_not_french_left_over(paths):
    french_path, german_path = paths
    french = {_key(e): e for e in polib.pofile(str(french_path)) if not e.obsolete}
    faults = []
    for entry in polib.pofile(str(german_path)):
        twin = french.get(_key(entry))
        if entry.obsolete or twin is None:
            continue
        for (_source, text), (_same, french_text) in zip(_pairs(entry), _pairs(twin), strict=True):
            words = re.sub(r"[\W\d_]+", "", PLACEHOLDER.sub("", text))
            if words and text == french_text and text not in SAME_IN_GERMAN_AND_FRENCH:
                faults.append(f"line {entry.linenum}: same as the French: {text!r}")
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("paths", _catalogues(), ids=lambda p: str(p[1].relative_to(BASE)))
def test_german_catalogue_follows_german_typography(paths):
    _french_path, german_path = paths
    faults = []
    for entry in polib.pofile(str(german_path)):
        if entry.obsolete:
            continue
        for _source, text in _pairs(entry):
            faults += [f"line {entry.linenum}: {fault}" for fault in german_typography_faults(text)]
    assert not faults, "\n".join(faults)


def test_the_german_typography_check_knows_prose_from_separators():
    assert german_typography_faults("Grund: keiner, Zeit 09:12, „CSV UTF-8“") == []
    assert german_typography_faults("Trennzeichen ; oder , (UTF-8)") == []
    assert german_typography_faults("Grund : keiner") and german_typography_faults("Wirklich ?")
    assert german_typography_faults("« CSV »") and german_typography_faults('"CSV"')
    assert german_typography_faults(f"Grund{NNBSP}: keiner")


# --- rendered pages ----------------------------------------------------------------


def _in_german(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    return client


@pytest.mark.django_db
def test_sign_in_page_in_german():
    response = _in_german(Client()).get("/login/")
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    text = visible_text(response.content.decode())
    for words in ("Bei Vestibule anmelden", "E-Mail-Adresse", "Passwort", "Passwort vergessen?"):
        assert words in text, words
    for french in ("Connexion", "Mot de passe", "Se connecter"):
        assert french not in text, french


def test_reception_desk_in_german(orgs, client_for):
    client = _in_german(client_for(orgs.a.members["reception"]))
    response = client.get("/desk/", follow=True)
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    text = visible_text(response.content.decode())
    for words in ("Empfangsplatz", "Besucher ohne Termin", "Abmelden", "Hauptnavigation"):
        assert words in text, words
    for french in ("Poste d'accueil", "Visiteur sans rendez-vous", "Se déconnecter"):
        assert french not in text, french


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    journal_some_days_work(DEMO[0]["slug"])
    return DEMO[0]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_menu_in_german_shows_no_code(demo, role):
    """Every page of the role's menu, and one of each page they link to, on the
    demo data with the language cookie set to German."""
    faults = []
    for link, response in _pages(role, "de"):
        assert response.status_code == 200, f"{link}: {response.status_code}"
        if "text/html" not in response["Content-Type"]:
            continue
        assert response["Content-Language"] == "de", link
        text = visible_text(response.content.decode())
        faults += [f"{link}: {f}" for f in code_faults(text) + german_typography_faults(text)]
    assert not faults, "\n".join(faults)
