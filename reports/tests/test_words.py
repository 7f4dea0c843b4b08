"""The Reports page as first opened: its "Download now" works, errors read in
the user's language (UTF-8), the preview shows words and local dates (no
`None`, no ISO timestamp, a table that scrolls in its box), and the dashboard's
charts have a scale and their values."""

import re
from html import unescape
from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.django_db


def test_download_now_works_on_the_page_as_first_opened(orgs, visits, admin):
    body = admin.get("/reports/").content.decode()
    link = re.search(r'href="(/reports/exports/stream/[^"]*)"', body)
    assert link, "no Download now link"
    url = unescape(link.group(1))
    assert "dataset=visits" in url and "columns=" in url
    response = admin.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).decode("utf-8-sig").startswith("Identifiant de la visite")


def test_a_refused_download_says_why_in_french_readable_as_utf8(orgs, admin):
    response = admin.get("/reports/exports/stream/", {"dataset": "nothing-like-this"})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode("utf-8") == "Jeu de données inconnu\u202f: nothing-like-this."


def test_preview_shows_local_dates_and_no_none(orgs, visits, admin):
    body = admin.get(
        "/reports/", {"dataset": "visits", "from": "2026-03-02", "to": "2026-03-03"}
    ).content.decode()
    table = body[body.index('<table class="preview">') :]
    table = table[: table.index("</table>")]
    assert "None" not in table
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", table)
    assert "02/03/2026 09:00" in table  # the visit's wall time at its site
    assert '<div class="table-scroll">' in body
    assert "Heures locales de chaque site (Europe/Paris)" in unquote(body)


def test_dashboard_charts_have_a_scale_and_values(orgs, visits, admin):
    body = admin.get("/reports/dashboard/", {"from": "2026-03-01", "to": "2026-03-04"}).content.decode()
    chart = body[body.index("<svg") : body.index("</svg>")]
    assert '<text x="36" y="' in chart and ">0</text>" in chart  # the scale starts at 0
    assert re.search(r'<text class="value"[^>]*>\d+</text>', chart)  # a bar's value above it
    assert ">2 mar</text>" in chart and "2026-03-02" not in chart  # days as dates, not ISO
