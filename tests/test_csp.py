"""The Content-Security-Policy (issue 15, point 7): the header on every page,
scripts from our files only, and no template that would need more. The browser
side is tests/test_csp_browser.py."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    p for p in BASE.rglob("*.html") if not {".venv", "var", "node_modules"} & set(p.relative_to(BASE).parts)
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_pages_send_a_policy_that_allows_scripts_from_our_files_only(orgs, client_for):
    for response in (
        Client().get("/login/"),
        Client().get("/no-such-page/"),
        client_for(orgs.a.members["reception"]).get("/desk/"),
        client_for(orgs.a.members["admin"]).get("/api/v1/sites/"),
    ):
        policy = directives(response)
        assert policy["script-src"] == "script-src 'self'", policy
        assert policy["object-src"] == "object-src 'none'"
        assert policy["base-uri"] == "base-uri 'self'"
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_the_api_documentation_loads_its_start_up_script_from_a_file():
    page = Client().get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(page), "the schema UI page carries an inline script"
    script = re.search(r'<script src="([^"]*script=[^"]*)"', page).group(1).replace("&amp;", "&")
    response = Client().get(script)
    assert response.status_code == 200 and "SwaggerUIBundle" in response.content.decode()


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(BASE)))
def test_no_template_carries_inline_script(path):
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in INLINE_SCRIPT.finditer(text)]
    found += [m.group(0)[-60:] for m in HANDLER.finditer(text)]
    found += [m.group(0) for m in JS_URL.finditer(text)]
    assert found == [], f"inline script in {path}: put it in a static file (docs/conventions.md)"


def test_the_template_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert HANDLER.search('<button type="button" onclick="go()">')
    assert HANDLER.search('<form hx-on::after-request="this.reset()">')
    assert not HANDLER.search('<button data-print-frame="badge-pdf">')
    assert JS_URL.search('<a href="javascript:void(0)">')
