"""Item 7: configuration capture round-trips."""

import io
import json

import pytest
from django.core.management import call_command

from backups import capture
from tenancy.models import Organization
from tenancy.scope import tenant_scope


def _configure(org):
    from notifications.models import MessageTemplate, NotificationRule, RecipientList
    from retention.models import RetentionPolicy
    from visitors.models import VisitType

    with tenant_scope(org.org):
        vt = VisitType.objects.create(organization=org.org, name_fr="Livraison", name_en="Delivery")
        vt.approvers.set([org.members["admin"]])
        lst = RecipientList.objects.create(organization=org.org, name="Sécurité", emails=["secu@example.org"])
        lst.members.set([org.members["reception"]])
        rule = NotificationRule.objects.create(organization=org.org, name="Arrivées", event="visit.arrived")
        rule.sites.set([org.site])
        rule.desks.set([org.desk])
        rule.visit_types.set([vt])
        rule.lists.set([lst])
        MessageTemplate.objects.create(
            organization=org.org, event="visit.arrived", channel="email", language="fr", subject="S", body="B"
        )
        RetentionPolicy.objects.update_or_create(
            organization=org.org,
            data_type="visits",
            site=org.site2,
            defaults={"consultation_days": 10, "retention_days": 20, "action": "delete"},
        )


@pytest.mark.django_db
def test_export_import_export_gives_the_same_document(orgs, tmp_path):
    _configure(orgs.a)
    with tenant_scope(orgs.a.org):
        first = capture.export_config()
    assert "id" not in json.dumps(first["models"]["sites.Desk"][0]["fields"])
    assert first["models"]["sites.Desk"][0]["key"][0] == [orgs.a.site.name]
    path = tmp_path / "config.json"
    out = io.StringIO()
    call_command("export_config", "--organization", "org-a", stdout=out)
    assert json.loads(out.getvalue()) == first
    path.write_text(out.getvalue())
    # An empty organization with the same people (lists and approvers name them).
    empty = Organization.objects.create(name="Org C", slug="org-c")
    from tenancy.models import Membership

    with tenant_scope(orgs.a.org):
        people = [(m.user, m.role) for m in Membership.objects.select_related("user")]
    with tenant_scope(empty):
        for user, role in people:
            Membership.objects.create(organization=empty, user=user, role=role)
    call_command("import_config", "--organization", "org-c", str(path), stdout=io.StringIO())
    with tenant_scope(empty):
        again = capture.export_config()
    assert again == first


@pytest.mark.django_db
def test_import_refuses_a_foreign_document(orgs):
    with tenant_scope(orgs.b.org), pytest.raises(capture.CaptureError):
        capture.import_config(organization=orgs.b.org, document={"format": "other"})
    with tenant_scope(orgs.b.org), pytest.raises(capture.CaptureError, match="format 9"):
        capture.import_config(
            organization=orgs.b.org, document={"format": capture.FORMAT, "format_version": 9, "models": {}}
        )


@pytest.mark.django_db
def test_import_is_all_or_nothing(orgs):
    with tenant_scope(orgs.a.org):
        document = capture.export_config()
    document["models"]["sites.Desk"].append({"key": [["Nowhere"], "Desk"], "fields": {"site": ["Nowhere"]}})
    with tenant_scope(orgs.b.org):
        before = capture.export_config()
        with pytest.raises(capture.CaptureError, match="Nowhere"):
            capture.import_config(organization=orgs.b.org, document=document)
    with tenant_scope(orgs.b.org):
        assert capture.export_config() == before


@pytest.mark.django_db
def test_admin_downloads_and_imports_the_capture(orgs, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from sites.models import Site

    admin_a = client_for(orgs.a.members["admin"])
    response = admin_a.get(reverse("config_export"))
    assert response["Content-Disposition"] == 'attachment; filename="configuration-org-a.json"'
    document = response.content
    admin_b = client_for(orgs.b.members["admin"])
    upload = SimpleUploadedFile("configuration.json", document, content_type="application/json")
    response = admin_b.post(reverse("config_import"), {"document": upload})
    assert response.status_code == 302
    with tenant_scope(orgs.b.org):
        assert sorted(Site.objects.values_list("name", flat=True)) == ["Org A HQ", "Org A Plant"]
    bad = SimpleUploadedFile("x.json", b'{"format": "other"}', content_type="application/json")
    response = admin_b.post(reverse("config_import"), {"document": bad})
    assert "Ce n&#x27;est pas un document de paramétrage Vestibule" in response.content.decode()


# --- round trip into the same organization, and bad files ------------------------------------
def _signed_consent(org):
    """A consent text whose version 1 has been signed (the database freezes it)."""
    from django.utils import timezone

    from documents.models import SignedConsent
    from documents.tests.helpers import consent_text
    from visitors.models import VisitType

    with tenant_scope(org.org):
        vt = VisitType.objects.create(organization=org.org, name_fr="Prestataire", name_en="Contractor")
        text = consent_text(org, visit_types=[vt])
        SignedConsent.objects.create(
            organization=org.org,
            version=text.current_version,
            text_sha256="0" * 64,
            language="fr",
            signer_name="Hélène Lefèvre",
            channel="desk",
            signed_at=timezone.now(),
        )
        return text


def _post(client, data: bytes, name="configuration.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile(name, data, content_type="application/json")
    return client.post(reverse("config_import"), {"document": upload}, follow=True)


def _journal_count(org):
    from audit.models import JournalEntry

    with tenant_scope(org):
        return JournalEntry.objects.count()


@pytest.mark.django_db
def test_exported_configuration_imported_into_the_same_organization_changes_nothing(orgs, client_for):
    from django.urls import reverse

    _configure(orgs.a)
    _signed_consent(orgs.a)
    admin = client_for(orgs.a.members["admin"])
    document = admin.get(reverse("config_export")).content
    with tenant_scope(orgs.a.org):
        before = capture.export_config()
    response = _post(admin, document)
    page = response.content.decode()
    assert response.status_code == 200  # not the 500 of "has been signed and cannot change"
    assert "Aucun changement" in page
    # Saved again by a Windows editor (with a BOM): still the same settings.
    assert "Aucun changement" in _post(admin, b"\xef\xbb\xbf" + document).content.decode()
    with tenant_scope(orgs.a.org):
        assert capture.export_config() == before
        summary = capture.import_config(organization=orgs.a.org, document=json.loads(document))
    assert summary == {"created": 0, "updated": 0, "removed": 0}


@pytest.mark.django_db
def test_a_fresh_organization_gets_the_configuration_with_its_signed_consents_texts(orgs, client_for):
    from documents.models import ConsentVersion
    from tenancy.models import Membership

    _signed_consent(orgs.a)
    with tenant_scope(orgs.a.org):
        document = capture.export_config()
    fresh = Organization.objects.create(name="Org C", slug="org-c")
    with tenant_scope(fresh):
        Membership.objects.create(organization=fresh, user=orgs.a.members["admin"].user, role="admin")
        summary = capture.import_config(organization=fresh, document=document)
        assert summary["created"] > 0 and summary["updated"] == 0
        version = ConsentVersion.objects.get()
        assert (version.number, version.title_fr) == (1, "Consignes de sécurité")
        assert capture.export_config() == document
        # And once more: nothing to do.
        assert capture.import_config(organization=fresh, document=document) == capture.EMPTY_SUMMARY


@pytest.mark.django_db
def test_a_document_rewriting_a_signed_version_is_refused_by_name(orgs, client_for):
    _signed_consent(orgs.a)
    with tenant_scope(orgs.a.org):
        document = capture.export_config()
        before = capture.export_config()
    document["models"]["documents.ConsentVersion"][0]["fields"]["body"] = "Autre texte."
    admin = client_for(orgs.a.members["admin"])
    page = _post(admin, json.dumps(document).encode()).content.decode()
    assert "ne peut pas changer" in page
    with tenant_scope(orgs.a.org):
        assert capture.export_config() == before


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda text: text[: len(text) // 2], "pas un document de paramétrage complet"),
        (
            lambda text: text.replace('"format_version": 1', '"format_version": 0'),
            "une autre version de Vestibule",
        ),
        (lambda text: text.replace('"format_version": 1', '"format_version": "1"'), "une autre version"),
        (lambda text: text.replace('"format_version": 1', '"format_version": 2'), "format 2"),
        (lambda text: text.replace('"models": {', '"models": [], "x": {'), "est endommagé"),
        (lambda text: "[" * 100_000, "est endommagé"),
    ],
    ids=["truncated", "older-version", "version-as-text", "newer-version", "damaged", "deep"],
)
@pytest.mark.django_db
def test_a_bad_configuration_file_gets_one_clear_message_and_changes_nothing(
    orgs, client_for, mangle, message
):
    from django.urls import reverse

    _configure(orgs.a)
    admin = client_for(orgs.a.members["admin"])
    text = admin.get(reverse("config_export")).content.decode()
    with tenant_scope(orgs.a.org):
        before = capture.export_config()
    journal = _journal_count(orgs.a.org)
    response = _post(admin, mangle(text).encode())
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert page.count('class="alert error"') + page.count("messages") >= 1
    with tenant_scope(orgs.a.org):
        assert capture.export_config() == before
    assert _journal_count(orgs.a.org) == journal


@pytest.mark.django_db
def test_a_value_that_does_not_fit_is_refused_without_change(orgs):
    with tenant_scope(orgs.a.org):
        document = capture.export_config()
        before = capture.export_config()
    document["models"]["sites.Desk"][0]["fields"]["name"] = "x" * 5000
    document["models"]["sites.Desk"][0]["key"] = [document["models"]["sites.Desk"][0]["key"][0], "x" * 5000]
    with tenant_scope(orgs.a.org), pytest.raises(capture.CaptureError, match=r"Nothing was changed|Rien"):
        capture.import_config(organization=orgs.a.org, document=document)
    with tenant_scope(orgs.a.org):
        assert capture.export_config() == before
