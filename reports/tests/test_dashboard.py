"""The dashboard's figures equal what the CSV export of the same filters says."""

import collections
import csv
import datetime
import io

import pytest

from reports import dashboard

pytestmark = pytest.mark.django_db

FILTERS = {"from": "2026-03-02", "to": "2026-03-03"}


def export_rows(client, filters):
    client.cookies["vestibule_language"] = "en"
    columns = ["id", "host", "status", "expected_at", "arrived_at", "departed_at", "created_at"]
    response = client.get("/reports/exports/stream/", {"dataset": "visits", **filters, "columns": columns})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.parametrize("extra", [{}, {"sites": ["SITE"]}])
def test_dashboard_figures_match_the_csv_export(orgs, visits, admin, scoped, extra):
    filters = {**FILTERS, **({"sites": [str(orgs.a.site.pk)]} if extra else {})}
    rows = export_rows(admin, filters)
    with scoped(orgs.a.org):
        figures = dashboard.figures(orgs.a.members["admin"], filters)

    def per_day(column, keep=lambda row: True):
        counted = collections.Counter(r[column][:10] for r in rows if r[column] and keep(r))
        return [(day, counted.get(day, 0)) for day in ("2026-03-02", "2026-03-03")]

    assert figures["total"] == len(rows)
    assert figures["arrivals"] == per_day("Arrived at")
    assert figures["departures"] == per_day("Departed at")
    assert figures["pre_registrations"] == per_day("Pre-registered at")
    assert figures["no_shows"] == per_day("Expected at", lambda r: r["Status"] == "No-show")
    hours = collections.Counter(r["Arrived at"][11:13] for r in rows if r["Arrived at"])
    assert dict(figures["arrivals_per_hour"]) == {f"{h:02d}": hours.get(f"{h:02d}", 0) for h in range(24)}
    stays = [
        datetime.datetime.fromisoformat(r["Departed at"]) - datetime.datetime.fromisoformat(r["Arrived at"])
        for r in rows
        if r["Arrived at"] and r["Departed at"]
    ]
    assert figures["average_stay_minutes"] == round(
        sum(stays, datetime.timedelta()).total_seconds() / 60 / len(stays)
    )
    hosts = collections.Counter(r["Host"] for r in rows if r["Host"])
    assert dict(figures["top_hosts"]) == dict(hosts)


def test_dashboard_screen_renders_svg_charts(orgs, visits, admin):
    response = admin.get("/reports/dashboard/", FILTERS)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<svg") >= 5 and "<script" not in body.split("<main>")[-1]
    assert "Arrivées par heure" in body


def test_reports_screen_previews_with_diagnostics_and_empty_columns(orgs, visits, admin):
    response = admin.get(
        "/reports/",
        {
            "dataset": "visits",
            "from": "2026-01-01",
            "to": "2026-01-31",
            "visit_types": [str(visits["delivery"].pk)],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Aucune ligne ne correspond" in body
    assert "« Livraison » n&#x27;a aucune entrée (visites)." in body
    partial = admin.get(
        "/reports/", {"dataset": "visits", "from": "2026-03-02", "to": "2026-03-03"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode() and "lignes correspondent" in partial.content.decode()
