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


def test_dashboard_shows_badges_by_template_and_notifications_by_channel(orgs, visits, admin, scoped):
    """The tables the badges and notifications apps add, with the dashboard's filters."""
    from badges import services as badges
    from badges.models import BadgePrint
    from notifications.models import Message
    from retention.models import RetentionPolicy

    from .conftest import at

    a = orgs.a
    with scoped(a.org):
        RetentionPolicy.objects.create(
            organization=a.org,
            data_type="send_log",
            consultation_days=3650,
            retention_days=3650,
            action="delete",
        )
        badges.print_badges(visits=[visits["rows"][2]], desk=a.desk, by=None)
        BadgePrint.objects.update(printed_at=at("2026-03-03", 9, 16))
        sent = Message.objects.create(
            organization=a.org,
            channel="email",
            recipient="host@example.com",
            recipient_kind="host",
            event="visit.arrived",
            language="fr",
            site=a.site,
            status="sent",
        )
        Message.objects.create(
            organization=a.org,
            channel="sms",
            recipient="+33612345678",
            recipient_kind="visitor",
            event="visit.arrived",
            language="fr",
            site=a.site,
            status="failed",
        )
        Message.objects.filter(pk=sent.pk).update(created_at=at("2026-03-02", 9, 6))
        Message.objects.exclude(pk=sent.pk).update(created_at=at("2026-01-02", 9, 6))
        template = BadgePrint.objects.get().template_version.template.name
    body = admin.get("/reports/dashboard/", FILTERS).content.decode()
    assert (
        "<h2>Badges imprimés par modèle</h2>\n<table><thead><tr><th>Modèle de badge</th>"
        f"<th>Badges imprimés</th></tr></thead><tbody><tr><td>{template}</td><td>1</td></tr></tbody></table>"
    ) in body
    assert (
        "<h2>Notifications par canal</h2>\n<table><thead><tr><th>Canal</th><th>État</th><th>Messages</th>"
        "</tr></thead><tbody><tr><td>E-mail</td><td>Envoyé</td><td>1</td></tr></tbody></table>"
    ) in body
    empty = admin.get("/reports/dashboard/", {"from": "2025-03-02", "to": "2025-03-03"}).content.decode()

    assert '<th>Badges imprimés</th></tr></thead><tbody><tr><td class="muted">—</td></tr>' in empty
