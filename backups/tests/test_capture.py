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
