"""Bad input answers 400 naming the field, never a silently empty file."""

import datetime

import pytest

from reports.filters import period_bounds

pytestmark = pytest.mark.django_db

URL = "/api/v1/exports/"


def post(client, **payload):
    payload.setdefault("dataset", "visits")
    return client.post(URL, payload, content_type="application/json")


def test_unknown_dataset_is_400(admin):
    response = post(admin, dataset="nope")
    assert response.status_code == 400 and "dataset" in response.json()


def test_unknown_column_is_400(admin):
    response = post(admin, columns=["id", "shoe_size"])
    assert response.status_code == 400 and "shoe_size" in response.json()["columns"][0]


def test_site_of_another_organization_is_400_naming_sites(orgs, admin):
    response = post(admin, filters={"sites": [orgs.b.site.pk]})
    assert response.status_code == 400
    assert "sites" in response.json()["filters"]
    assert orgs.b.site.name not in response.content.decode()


def test_site_outside_the_perimeter_is_400(orgs, narrowed):
    response = post(narrowed, filters={"sites": [orgs.a.site2.pk]})
    assert response.status_code == 400
    assert "perimeter" in response.json()["filters"]["sites"][0] or "périmètre" in str(response.json())


def test_desk_outside_the_perimeter_and_other_org_desk_are_400(orgs, narrowed):
    client = narrowed
    assert "desks" in post(client, filters={"desks": [orgs.a.desk_other_site.pk]}).json()["filters"]
    assert "desks" in post(client, filters={"desks": [orgs.b.desk.pk]}).json()["filters"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"period": "custom", "from": "2026-03-05", "to": "2026-03-01"}, "from"),
        ({"from": "05/03/2026"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"period": "fortnight"}, "period"),
        ({"sites": ["abc"]}, "sites"),
        ({"statuses": ["teleported"]}, "statuses"),
        ({"visit_types": [999999]}, "visit_types"),
        ({"host": 999999}, "host"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_are_400_naming_the_field(admin, filters, field):
    response = post(admin, filters=filters)
    assert response.status_code == 400, response.content
    assert field in response.json()["filters"]


def test_bad_delimiter_is_400(admin):
    response = post(admin, delimiter="|")
    assert response.status_code == 400 and "delimiter" in response.json()


def test_preview_answers_the_same_400(admin):
    response = admin.post(
        "/api/v1/exports/preview/",
        {"dataset": "visits", "columns": ["nope"]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "columns" in response.json()


def test_period_presets():
    today = datetime.date(2026, 3, 18)  # a Wednesday
    d = datetime.date
    assert period_bounds("today", today) == (today, today)
    assert period_bounds("last_7_days", today) == (d(2026, 3, 12), today)
    assert period_bounds("this_month", today) == (d(2026, 3, 1), today)
    assert period_bounds("last_month", today) == (d(2026, 2, 1), d(2026, 2, 28))
    assert period_bounds("previous_day", today) == (d(2026, 3, 17), d(2026, 3, 17))
    assert period_bounds("previous_week", today) == (d(2026, 3, 9), d(2026, 3, 15))
    assert period_bounds("previous_month", d(2026, 1, 1)) == (d(2025, 12, 1), d(2025, 12, 31))


def test_period_is_in_the_sites_time_zone(orgs, visits, scoped):
    """23:30 in Paris on 3 March is 4 March in UTC: it belongs to the 3rd."""
    from reports.filters import select

    with scoped(orgs.a.org):
        selection = select(
            "visits",
            orgs.a.members["admin"],
            {"from": "2026-03-03", "to": "2026-03-03", "sites": [orgs.a.site.pk]},
        )
        ids = set(selection.queryset().values_list("pk", flat=True))
    assert visits["rows"][4].pk in ids
    assert visits["rows"][0].pk not in ids
