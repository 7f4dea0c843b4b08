"""Issue 21: the DPO's powers. Compliance edits retention policies (journaled
with old and new values, the 24 h delay shown), places and lifts legal holds
and runs dry runs, as the admin does; the archive's journal entry carries the
reason stated; the subject-access ZIP holds each file once, named after what it
is, with a README in the person's language; an erasure shows what it will
remove and asks for confirmation (HTML page, API `?dry_run=true`)."""

import base64
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import JournalEntry
from documents.tests.helpers import consent_text, png_bytes, sign
from retention import policies, services
from retention.models import LegalHold, SubjectRequest
from tenancy.scope import tenant_scope
from visitors.models import Visitor

from .factories import old_visit, stored_attachment

pytestmark = pytest.mark.django_db
DRAWING = "data:image/png;base64," + base64.b64encode(png_bytes((120, 40), "black")).decode()


@pytest.mark.parametrize("role", ["compliance", "admin"])
def test_compliance_and_admin_edit_a_policy_journaled_with_old_and_new_and_the_delay_shown(
    orgs, client_for, role
):
    with tenant_scope(orgs.a.org):
        policy = policies.policies(orgs.a.org).get(data_type="visits", site__isnull=True)
        old_days = policy.retention_days
    client = client_for(orgs.a.members[role])
    page = client.get(reverse("retention")).content.decode()
    assert reverse("retention_policy_edit", kwargs={"pk": policy.pk}) in page
    response = client.post(
        reverse("retention_policy_edit", kwargs={"pk": policy.pk}),
        {"consultation_days": 10, "retention_days": 20, "action": "anonymise"},
        follow=True,
    )
    body = response.content.decode()
    assert "prend effet le" in body or "prendra effet" in body or "24" in body, body[:2000]
    with tenant_scope(orgs.a.org):
        policy.refresh_from_db()
        assert policy.pending_retention_days == 20 and policy.effective_at is not None
        assert policy.effective_at - timezone.now() >= timezone.timedelta(hours=23, minutes=59)
        entry = JournalEntry.objects.get(verb="retention.policy_changed")
        assert entry.data["old"]["retention_days"] == old_days and entry.data["new"]["retention_days"] == 20
        assert entry.actor_id == orgs.a.members[role].user_id
    api = client.patch(
        f"/api/v1/retention-policies/{policy.pk}/", {"consultation_days": 12}, content_type="application/json"
    )
    assert api.status_code == 200, api.content


@pytest.mark.parametrize("role", ["compliance", "admin"])
def test_holds_are_placed_and_lifted_and_dry_runs_run_by_both(orgs, client_for, role):
    client = client_for(orgs.a.members[role])
    response = client.post(reverse("retention_holds"), {"reason": "Contrôle URSSAF"}, follow=True)
    assert response.status_code == 200
    with tenant_scope(orgs.a.org):
        hold = LegalHold.objects.get(reason="Contrôle URSSAF")
    client.post(reverse("retention_hold_release", kwargs={"pk": hold.pk}))
    with tenant_scope(orgs.a.org):
        hold.refresh_from_db()
        assert hold.released_at is not None
    with tenant_scope(orgs.a.org):
        old_visit(orgs.a, days=4000)
    dry = client.get(reverse("retention_dry_run"))
    assert dry.status_code == 200
    assert "Rien n'est effacé" in dry.content.decode() or "Rien n&#x27;est effacé" in dry.content.decode()
    assert "Visites" in dry.content.decode()


def test_the_archive_journal_entry_shows_the_reason(orgs, client_for):
    client = client_for(orgs.a.members["compliance"])
    client.post(
        reverse("retention_archive"), {"data_type": "visits", "reason": "Réquisition judiciaire 2026-118"}
    )
    with tenant_scope(orgs.a.org):
        entry = JournalEntry.objects.get(verb="retention.archive_opened")
        assert entry.data["reason"] == "Réquisition judiciaire 2026-118"
    journal = client_for(orgs.a.members["admin"]).get(reverse("journal")).content.decode()
    assert "Réquisition judiciaire 2026-118" in journal


def test_subject_zip_has_each_file_once_named_after_what_it_is_and_a_readme(
    orgs, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a, days=3, first_name="Hélène", last_name="Zipper")
        Visitor.objects.filter(pk=visit.visitor_id).update(language="fr")
        stored_attachment(orgs.a, visit, original_name="Pièce d'identité.pdf")
        safety = consent_text(
            orgs.a, [visit.visit_type], title_fr="Règles de sécurité", title_en="Safety rules"
        )
        privacy = consent_text(
            orgs.a, [visit.visit_type], kind="privacy", title_fr="Confidentialité", title_en="Privacy"
        )
        # Two texts signed at once share one signature image.
        consents = sign(
            visit, safety, versions=[safety.current_version, privacy.current_version], signature_data=DRAWING
        )
    day = timezone.localtime(consents[0].signed_at).date().isoformat()
    client = client_for(orgs.a.members["compliance"])
    created = client.post(
        "/api/v1/subject-requests/",
        {"kind": "access", "received_on": timezone.localdate().isoformat(), "full_name": "Helene Zipper"},
        content_type="application/json",
    ).json()
    response = client.get(reverse("retention_request_export", kwargs={"pk": created["id"]}))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert len(names) == len(set(names)), names
    assert f"consentements/{day}-regles-de-securite.pdf" in names
    assert f"consentements/{day}-confidentialite.pdf" in names
    signatures = [n for n in names if n.endswith("-signature.png")]
    assert len(signatures) == 1, names
    assert any(n.startswith("documents/") and n.endswith("-piece-didentite.pdf") for n in names), names
    readme = archive.read("LISEZ-MOI.txt").decode()
    assert "Vos données personnelles détenues par Org A" in readme
    assert "RGPD, article 15" in readme
    assert f"consentements/{day}-regles-de-securite.pdf" in readme
    assert "Consentements signés" in readme and "2 enregistrements" in readme


def _erasure(client, name):
    return client.post(
        "/api/v1/subject-requests/",
        {"kind": "erasure", "received_on": timezone.localdate().isoformat(), "full_name": name},
        content_type="application/json",
    ).json()["id"]


def test_erasure_shows_what_it_will_remove_and_asks_for_confirmation(orgs, client_for):
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a, days=2, first_name="Zoé", last_name="Confirmée")
        old_visit(orgs.a, days=3, visitor=visit.visitor)
    client = client_for(orgs.a.members["compliance"])
    pk = _erasure(client, "zoe confirmee")
    url = reverse("retention_request_erase", kwargs={"pk": pk})
    page = client.get(url).content.decode()
    assert "Ce qui sera effacé" in page and "Effacer définitivement" in page
    assert "<td>Visites</td><td>2</td>" in page and "<td>Identités des visiteurs</td><td>1</td>" in page
    # A POST without the confirmation shows the same page and erases nothing.
    assert "Ce qui sera effacé" in client.post(url).content.decode()
    with tenant_scope(orgs.a.org):
        assert Visitor.objects.get(pk=visit.visitor_id).last_name == "Confirmée"
    done = client.post(url, {"confirm": "yes"})
    assert done.status_code == 302
    with tenant_scope(orgs.a.org):
        assert Visitor.objects.get(pk=visit.visitor_id).last_name == "[anonymised]"
        assert SubjectRequest.objects.get(pk=pk).status == "done"


def test_api_erasure_dry_run_counts_and_names_the_hold_without_erasing(orgs, client_for):
    with tenant_scope(orgs.a.org):
        visit = old_visit(orgs.a, days=2, first_name="Yves", last_name="Simulé")
    client = client_for(orgs.a.members["compliance"])
    pk = _erasure(client, "yves simule")
    response = client.post(f"/api/v1/subject-requests/{pk}/erase/?dry_run=true")
    assert response.status_code == 200
    body = response.json()
    counts = {t["data_type"]: t["count"] for t in body["types"]}
    assert body["dry_run"] is True and counts["visits"] == 1 and counts["visitor_identities"] == 1
    assert body["hold"] is None
    with tenant_scope(orgs.a.org):
        hold = services.place_hold(organization=orgs.a.org, reason="Litige", visitor=visit.visitor)
    held = client.post(f"/api/v1/subject-requests/{pk}/erase/?dry_run=true").json()
    assert held["hold"] == {"id": hold.pk, "reason": "Litige"}
    with tenant_scope(orgs.a.org):
        assert Visitor.objects.get(pk=visit.visitor_id).last_name == "Simulé"
        assert SubjectRequest.objects.get(pk=pk).status == "open"
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "dry_run" in schema and "erase nothing and answer what the erasure would remove" in schema


def test_a_hold_on_one_person_is_placed_by_name_and_a_namesake_asks_for_more(orgs, client_for):
    """Compliance names the person as a data-subject request does (name, e-mail
    or phone), never by an internal id; namesakes and nobody are said in words."""
    from visitors.tests.factories import make_visitor

    with tenant_scope(orgs.a.org):
        unique = make_visitor(orgs.a, first_name="Zoé", last_name="Rivière", email="zoe@example.test")
        make_visitor(orgs.a, first_name="Paul", last_name="Martin", email="paul.martin@example.test")
        make_visitor(orgs.a, first_name="Paul", last_name="Martin", email="pmartin@example.test")
    with tenant_scope(orgs.b.org):
        make_visitor(orgs.b, first_name="Ines", last_name="Other", email="ines@example.test")
    client = client_for(orgs.a.members["compliance"])

    placed = client.post(
        reverse("retention_holds"), {"reason": "Litige", "person": "zoe riviere"}, follow=True
    )
    assert placed.status_code == 200
    with tenant_scope(orgs.a.org):
        assert LegalHold.objects.get(reason="Litige").visitor_id == unique.pk
    assert "Zoé Rivière" in placed.content.decode()

    namesakes = client.post(reverse("retention_holds"), {"reason": "Second", "person": "Paul Martin"})
    text = namesakes.content.decode()
    assert namesakes.status_code == 200 and "Plusieurs personnes correspondent" in text
    assert "paul.martin@example.test" in text and "pmartin@example.test" in text
    chosen = client.post(reverse("retention_holds"), {"reason": "Second", "person": "pmartin@example.test"})
    assert chosen.status_code == 302
    for nobody in ("Personne Inconnue", "ines@example.test"):  # another organization's person is nobody here
        refused = client.post(reverse("retention_holds"), {"reason": "Troisième", "person": nobody})
        assert refused.status_code == 200 and "Personne ne correspond" in refused.content.decode()
    with tenant_scope(orgs.a.org):
        assert not LegalHold.objects.filter(reason="Troisième").exists()
