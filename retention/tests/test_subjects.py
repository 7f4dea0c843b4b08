"""Data-subject requests: search, access export, erasure, refusal under a hold."""

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone

from audit.models import JournalEntry
from notifications.models import Message
from retention import services, subjects
from retention.models import ErasureRecord, PurgeRun, SubjectRequest
from tenancy.scope import tenant_scope
from visitors.models import Visit, Visitor

from .factories import old_visit, stored_attachment

pytestmark = pytest.mark.django_db
URL = "/api/v1/subject-requests/"


def _create(client, **values):
    payload = {"kind": "access", "received_on": timezone.localdate().isoformat(), **values}
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_deadline_is_one_month_after_receipt():
    assert subjects.one_month_after(datetime.date(2026, 1, 31)) == datetime.date(2026, 2, 28)
    assert subjects.one_month_after(datetime.date(2026, 12, 15)) == datetime.date(2027, 1, 15)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"full_name": "", "email": "", "phone": ""}, "full_name"),
        ({"full_name": "X", "received_on": "2999-01-01"}, "received_on"),
        ({"full_name": "X", "kind": "forget-me"}, "kind"),
        ({"full_name": "X", "visitor_ids": [999999]}, "visitor_ids"),
    ],
)
def test_bad_requests_are_400_naming_the_field(orgs, client_for, payload, field):
    client = client_for(orgs.a.members["compliance"])
    body = {"kind": "access", "received_on": timezone.localdate().isoformat(), **payload}
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


def test_search_is_accent_and_case_insensitive_across_types(orgs, client_for):
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a, first_name="Hélène", last_name="Lefèvre")
        other = old_visit(orgs.a, first_name="Bob", last_name="Martin")
        Message.objects.create(
            organization=orgs.a.org,
            channel="sms",
            recipient="+33612345678",
            recipient_kind="visitor",
            event="visit.arrived",
            visit_id=other.pk,
            language="fr",
            body="x",
        )
    client = client_for(orgs.a.members["compliance"])
    created = _create(client, full_name="helene LEFEVRE", phone="06 12 34 56 78")
    assert created["deadline"] == subjects.one_month_after(timezone.localdate()).isoformat()
    found = client.get(f"{URL}{created['id']}/matches/").json()
    names = {(v["first_name"], v["last_name"]) for v in found["visitors"]}
    assert ("Hélène", "Lefèvre") in names
    assert visit.pk in found["rows"]["visits"]
    if "send_log" in found["rows"]:
        assert len(found["rows"]["send_log"]) == 1  # by phone number, whatever the format


def test_access_export_is_a_zip_with_json_csv_and_files(orgs, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a, first_name="Hélène", last_name="Unique")
        attachment = stored_attachment(orgs.a, visit)
    client = client_for(orgs.a.members["compliance"])
    created = _create(client, full_name="Helene Unique")
    response = client.get(f"{URL}{created['id']}/export.zip/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {
        "toutes-les-donnees.json",
        "visites.csv",
        "identites-des-visiteurs.csv",
        "LISEZ-MOI.txt",
    } <= names, names
    day = timezone.localtime(attachment.uploaded_at).date().isoformat()
    assert f"documents/{day}-passport.pdf" in names
    data = json.loads(archive.read("toutes-les-donnees.json"))
    assert data["visitor_identities"][0]["last_name"] == "Unique"
    with tenant_scope(orgs.a.org):
        assert JournalEntry.objects.filter(verb="retention.request_exported").exists()
    assert client.post(f"{URL}{created['id']}/erase/").status_code == 400  # an access request


def test_erasure_anonymises_everything_with_a_proof_and_forgets_the_search_terms(orgs, client_for):
    with tenant_scope(orgs.a.org):
        recent = old_visit(orgs.a, days=2, first_name="Zoé", last_name="Effacée")
        bystander = old_visit(orgs.a, days=2, first_name="Zoé", last_name="Restante")
    client = client_for(orgs.a.members["compliance"])
    created = _create(client, kind="erasure", full_name="zoe effacee")
    response = client.post(f"{URL}{created['id']}/erase/")
    assert response.status_code == 200, response.content
    proof = {t["data_type"]: t for t in response.json()["types"]}
    assert proof["visits"]["rows_anonymised"] == 1
    assert proof["visitor_identities"]["rows_anonymised"] == 1
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=recent.pk).visitor is None
        assert Visitor.objects.get(pk=recent.visitor_id).last_name == "[anonymised]"
        assert Visit.objects.get(pk=bystander.pk).visitor.last_name == "Restante"
        request = SubjectRequest.objects.get(pk=created["id"])
        assert (request.status, request.full_name, request.email) == ("done", "", "")
        run = PurgeRun.objects.get(subject_request=request)
        assert ErasureRecord.objects.filter(subject_request=request, data_type="visits").exists()
        entry = JournalEntry.objects.get(verb="retention.purged", target_id=str(run.pk))
        assert {t["data_type"] for t in entry.data["types"]} >= {"visits", "visitor_identities"}
    again = client.post(f"{URL}{created['id']}/erase/")
    assert again.status_code == 400
    assert "status" in again.json()


def test_erasing_a_person_under_a_legal_hold_is_refused_naming_the_hold(orgs, client_for):
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a, days=2, first_name="Ivan", last_name="Gardé")
        hold = services.place_hold(organization=orgs.a.org, reason="Enquête interne", visitor=visit.visitor)
    client = client_for(orgs.a.members["compliance"])
    created = _create(client, kind="erasure", full_name="Ivan Garde")
    response = client.post(f"{URL}{created['id']}/erase/")
    assert response.status_code == 409
    assert response.json()["hold"] == {"id": hold.pk, "reason": "Enquête interne"}
    assert f"n°{hold.pk} (Enquête interne)" in response.json()["detail"]  # French first
    with tenant_scope(orgs.a.org):
        assert Visit.objects.get(pk=visit.pk).visitor.last_name == "Gardé"
        request = SubjectRequest.objects.get(pk=created["id"])
        assert (request.status, request.refused_hold_id) == ("refused", hold.pk)
        assert JournalEntry.objects.filter(verb="retention.request_refused").exists()


def test_erasure_from_the_screen_is_refused_with_the_hold_named(orgs, client_for):
    with tenant_scope(orgs.a.org):
        old_visit(orgs.a, days=2, first_name="Ivan", last_name="Gardé", site=orgs.a.site2)
        hold = services.place_hold(organization=orgs.a.org, reason="Litige", sites=[orgs.a.site2])
        request = subjects.create_request(
            organization=orgs.a.org, kind="erasure", received_on=timezone.localdate(), full_name="Ivan Gardé"
        )
    client = client_for(orgs.a.members["compliance"])
    # The confirmation page already says the erasure would be refused.
    assert (
        f"gel juridique n°{hold.pk}"
        in client.get(f"/retention/requests/{request.pk}/erase/").content.decode()
    )
    response = client.post(f"/retention/requests/{request.pk}/erase/", {"confirm": "yes"}, follow=True)
    assert f"gel juridique n°{hold.pk}" in response.content.decode()
