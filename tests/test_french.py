"""French typography and grammar, and words instead of codes: every French
catalogue, and the pages of each role's menu rendered on the demo data, in
French and in English.

Rules (tests/words.py): a narrow no-break space (U+202F) before `: ; ? !` in
French (only where the sign ends a word of prose: not in times, URLs or format
strings), elision, no gendered past participle for visitors, plurals through
ngettext, one spelling of "pré-enregistrer"; on every page: no event code, data
code, `None`, Python dict or ISO timestamp.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from tenancy.demo import DEMO, ROLES

from .words import NNBSP, code_faults, journal_some_days_work, typography_faults, visible_text

BASE = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    [*BASE.glob("locale/fr/LC_MESSAGES/django.po"), *BASE.glob("*/locale/fr/LC_MESSAGES/django.po")]
)


def _translations(path):
    for entry in polib.pofile(str(path)):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            if text:
                yield entry, text


def test_every_app_catalogue_is_scanned():
    names = {p.relative_to(BASE).parts[0] for p in CATALOGUES}
    assert {"locale", "visitors", "retention", "reports", "notifications", "audit"} <= names


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE)))
def test_french_catalogue_follows_french_typography(path):
    faults = []
    for entry, text in _translations(path):
        for fault in typography_faults(text):
            faults.append(f"line {entry.linenum}: {fault}")
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE)))
def test_french_catalogue_has_no_singular_only_count(path):
    """A French string that puts a count before a plural noun must come from
    ngettext (msgid_plural), or it reads "1 modèles"."""
    count_then_plural = re.compile(
        r"(%\(\w*(?:n|count|total)\w*\)s|%\(\w+\)d|\{\{ ?n ?\}\}|%d)"
        r" (?!dans\b|sous\b|sans\b|plus\b)[a-zéè]+s\b"
    )
    faults = [
        f"line {entry.linenum}: {text}"
        for entry, text in _translations(path)
        if not entry.msgid_plural and count_then_plural.search(text)
    ]
    assert not faults, "\n".join(faults)


def test_the_typography_check_knows_prose_from_times_and_urls():
    assert typography_faults(f"Heure{NNBSP}: 09:12, voir https://exemple.test/a?b=1 et H:i") == []
    assert typography_faults("Raison : aucune") and typography_faults("Raison: aucune")
    assert typography_faults("Vraiment?") and typography_faults(f"Vraiment{NNBSP}?") == []
    assert typography_faults("connecté en tant que Administrateur")
    assert typography_faults("Jean est arrivé") and typography_faults("Préenregistrer")
    assert typography_faults("1 modèles") and not typography_faults("12 modèles")
    # A pronoun after an imperative takes no elision.
    assert typography_faults("Découpez-le en plusieurs") == [] and typography_faults("que il")
    assert code_faults("user #2 a fait visit.pre_registered sur visitors.visit #618, {'a': 1}, None")
    assert code_faults("Arrivée enregistrée à 09:12 par Marie Dupont") == []
    assert code_faults("Jeu de données inconnu : None") and code_faults("None ticked: all.") == []


# --- rendered pages ----------------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    journal_some_days_work(DEMO[0]["slug"])
    return DEMO[0]


def _menu(client):
    home = client.get("/", follow=True)
    assert home.status_code == 200
    nav = re.search(r'<nav class="side".*?</nav>', home.content.decode(), re.S)
    assert nav, "no menu"
    links = re.findall(r'href="(/[^"]*)"', nav.group(0))
    return [link for link in dict.fromkeys(links) if not link.startswith("/api/")]


# Links that download a file, act, or leave for the API.
_NOT_A_PAGE = re.compile(r"\.(csv|pdf|zip|png|json)\b|download|stream|logout|/api/|/static/|badge")


def _pages(role, language):
    """Every menu entry of the role, then every page those link to (one level
    deeper: details, forms), one page per URL shape."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(get_user_model().objects.get(email=f"{role}@{DEMO[0]['slug']}.demo"))
    menu = _menu(client)
    links, shapes = list(menu), set()
    for link in links:
        shape = re.sub(r"\d+", "N", link.split("?")[0])
        if shape in shapes:
            continue
        shapes.add(shape)
        response = client.get(link, follow=True)
        if link in menu and "text/html" in response.get("Content-Type", ""):
            page = response.content.decode()
            main = page[page.find("<main") :]
            links += [
                h.replace("&amp;", "&")
                for h in re.findall(r'href="(/[^"#]*)"', main)
                if not _NOT_A_PAGE.search(h)
            ]
        yield link, response


@pytest.mark.parametrize("role", ROLES)
def test_each_role_menu_in_french_reads_as_french(demo, role):
    faults = []
    for link, response in _pages(role, "fr"):
        assert response.status_code == 200, f"{link}: {response.status_code}"
        if "text/html" not in response["Content-Type"]:
            continue
        text = visible_text(response.content.decode())
        faults += [f"{link}: {f}" for f in typography_faults(text) + code_faults(text)]
    assert not faults, "\n".join(faults)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_menu_in_english_shows_no_code(demo, role):
    faults = []
    for link, response in _pages(role, "en"):
        assert response.status_code == 200, f"{link}: {response.status_code}"
        if "text/html" not in response["Content-Type"]:
            continue
        text = visible_text(response.content.decode())
        assert "Vestibule" in text
        faults += [f"{link}: {f}" for f in code_faults(text)]
    assert not faults, "\n".join(faults)


def test_shipped_french_messages_follow_french_typography():
    """The e-mails and SMS every organization starts with (notifications.defaults)."""
    from notifications.defaults import TEXTS

    faults = [
        f"{event} ({part}): {fault}"
        for (event, language), texts in TEXTS.items()
        if language == "fr"
        for part, text in zip(("subject", "e-mail", "SMS"), texts, strict=True)
        for fault in typography_faults(text)
    ]
    assert not faults, "\n".join(faults)
