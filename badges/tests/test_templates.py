"""Templates: API and editor, versions, capture (export/import), demo data."""

import base64
import io
import json

import pytest
from PIL import Image

from audit.models import JournalEntry
from badges import capture, services
from badges.models import BadgeTemplate, BadgeTemplateVersion

from .conftest import on_site, page_sizes

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), (10, 90, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_admin_creates_and_edits_a_template_through_the_api_each_design_change_a_version(
    orgs, client_for, scoped
):
    client = client_for(orgs.a.members["admin"])
    created = client.post(
        "/api/v1/badge-templates/",
        {
            "name": "Carte",
            "preset": "cr80",
            "orientation": "landscape",
            "logo": base64.b64encode(png()).decode(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["version"] == 1 and body["has_logo"] and body["layout"]
    url = f"/api/v1/badge-templates/{body['id']}/"
    layout = body["layout"][:2]
    assert client.patch(url, {"layout": layout}, content_type="application/json").json()["version"] == 2
    assert client.patch(url, {"name": "Carte CR80"}, content_type="application/json").json()["version"] == 2
    assert (
        client.patch(url, {"remove_logo": True}, content_type="application/json").json()["has_logo"] is False
    )
    with scoped(orgs.a.org):
        versions = BadgeTemplateVersion.objects.filter(template_id=body["id"]).order_by("number")
        assert [(v.number, len(v.layout), v.logo_id is not None) for v in versions] == [
            (1, len(body["layout"]), True),
            (2, 2, True),
            (3, 2, False),
        ]
        verbs = list(
            JournalEntry.objects.filter(verb__startswith="badge_template").values_list("verb", flat=True)
        )
        assert verbs.count("badge_template.updated") == 3
    preview = client.get(f"{url}preview.pdf")
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert page_sizes(preview.content)[0][0] > page_sizes(preview.content)[0][1]


def test_duplicate_name_and_unknown_preset_are_400_naming_the_field(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        services.create_template(organization=orgs.a.org, by=None, name="Même", preset="a6")
    client = client_for(orgs.a.members["admin"])
    same = client.post(
        "/api/v1/badge-templates/", {"name": "Même", "preset": "a6"}, content_type="application/json"
    )
    assert same.status_code == 400 and "name" in same.json()
    bad = client.post(
        "/api/v1/badge-templates/", {"name": "X", "preset": "a0"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "preset" in bad.json()


def test_same_name_in_another_organization_is_fine(orgs, scoped):
    for org in (orgs.a, orgs.b):
        with scoped(org.org):
            services.create_template(organization=org.org, by=None, name="Badge", preset="a6")


def test_draft_preview_api_renders_unsaved_layouts_and_refuses_bad_ones(orgs, client_for):
    client = client_for(orgs.a.members["admin"])
    good = {"preset": "label_54x90", "orientation": "portrait",
            "layout": [{"type": "qr", "x": 2, "y": 2, "width": 20, "height": 20}]}  # fmt: skip
    response = client.post("/api/v1/badge-templates/preview.pdf", good, content_type="application/json")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    good["layout"][0]["x"] = 50
    assert (
        client.post("/api/v1/badge-templates/preview.pdf", good, content_type="application/json").status_code
        == 400
    )


def test_a_template_printed_with_cannot_be_deleted(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        template = services.create_template(organization=orgs.a.org, by=None, name="Used", preset="a6")
        services.print_badges(visits=[on_site(orgs.a)], desk=None, by=None)
    response = client_for(orgs.a.members["admin"]).delete(f"/api/v1/badge-templates/{template.pk}/")
    assert response.status_code == 409
    with scoped(orgs.a.org):
        assert BadgeTemplate.objects.filter(pk=template.pk).exists()


def test_export_then_import_into_another_organization(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        template = services.create_template(
            organization=orgs.a.org,
            by=None,
            name="Accueil",
            preset="cr80",
            orientation="landscape",
            logo=png(),
        )
    exported = client_for(orgs.a.members["admin"]).get(f"/api/v1/badge-templates/{template.pk}/export/")
    assert exported.status_code == 200
    document = json.loads(exported.content)
    assert document["format"] == capture.FORMAT and document["logo"]["content_type"] == "image/png"
    imported = client_for(orgs.b.members["admin"]).post(
        "/api/v1/badge-templates/import/", document, content_type="application/json"
    )
    assert imported.status_code == 201, imported.content
    with scoped(orgs.b.org):
        copy = BadgeTemplate.objects.get(pk=imported.json()["id"])
        assert copy.organization == orgs.b.org
        assert (copy.preset, copy.orientation, copy.layout) == ("cr80", "landscape", template.layout)
        assert bytes(copy.logo.data) == png()
    again = client_for(orgs.b.members["admin"]).post(
        "/api/v1/badge-templates/import/", document, content_type="application/json"
    )
    assert again.json()["name"] == "Accueil (2)"


def test_export_then_import_back_after_a_restore(orgs, scoped):
    with scoped(orgs.a.org):
        template = services.create_template(organization=orgs.a.org, by=None, name="Retour", preset="a6")
        document = json.loads(json.dumps(capture.export_template(template)))
        services.delete_template(template=template)
        back = capture.import_template(organization=orgs.a.org, by=None, document=document)
        assert (back.name, back.layout) == ("Retour", template.layout)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "something.else"}, "format"),
        ({"format_version": 99}, "format_version"),
        ({"preset": "a0"}, "preset"),
        (
            {
                "layout": [
                    {
                        "type": "text",
                        "name": "z",
                        "x": 0,
                        "y": 0,
                        "width": 10,
                        "height": 5,
                        "text": "{visitor.salary}",
                        "font_size": 8,
                    }
                ]
            },
            "layout",
        ),
        ({"logo": {"content_type": "image/png", "data": "!!!"}}, "logo"),
        ({"logo": {"content_type": "image/png", "data": base64.b64encode(b"not a png").decode()}}, "logo"),
        ({"logo": {"data": base64.b64encode(png()).decode(), "sha256": "0" * 64}}, "logo"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_import_is_refused_naming_the_field(orgs, client_for, scoped, change, field):
    with scoped(orgs.a.org):
        template = services.create_template(organization=orgs.a.org, by=None, name="Src", preset="a6")
        document = {**capture.export_template(template), **change}
    response = client_for(orgs.b.members["admin"]).post(
        "/api/v1/badge-templates/import/", document, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    with scoped(orgs.b.org):
        assert not BadgeTemplate.objects.exists()


def editor_post(template, **overrides):
    data = {
        "name": template.name, "preset": template.preset, "orientation": template.orientation, "active": "on",
        "el-TOTAL_FORMS": str(len(template.layout)), "el-INITIAL_FORMS": str(len(template.layout)),
        "el-MIN_NUM_FORMS": "0", "el-MAX_NUM_FORMS": "40",
    }  # fmt: skip
    for i, element in enumerate(template.layout):
        for key, value in element.items():
            if isinstance(value, bool):
                if value:
                    data[f"el-{i}-{key}"] = "on"
            else:
                data[f"el-{i}-{key}"] = str(value)
    data.update(overrides)
    return data


def test_editor_saves_a_new_version_and_refuses_a_bad_element_by_name(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        template = services.create_template(
            organization=orgs.a.org, by=None, name="Éditeur", preset="brother_ql_62x100"
        )
    client = client_for(orgs.a.members["admin"])
    url = f"/badges/templates/{template.pk}/"
    assert client.get(url).status_code == 200
    saved = client.post(url, editor_post(template, **{"el-2-font_size": "20", "el-0-DELETE": "on"}))
    assert saved.status_code == 302
    with scoped(orgs.a.org):
        template.refresh_from_db()
        assert template.version == 2 and len(template.layout) == len(template.versions.last().layout) - 1
    bad = client.post(url, editor_post(template, **{"el-1-text": "{visitor.salary}", "el-1-name": "paie"}))
    assert bad.status_code == 200
    assert "paie" in bad.content.decode() and "{visitor.salary}" in bad.content.decode()
    logo = io.BytesIO(b"GIF89a not really")
    logo.name = "logo.gif"
    refused = client.post(url, {**editor_post(template), "logo": logo})
    assert refused.status_code == 200 and refused.context["form"].errors["logo"]
    with scoped(orgs.a.org):
        template.refresh_from_db()
        assert template.version == 2


def test_live_preview_renders_the_draft_without_saving(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        template = services.create_template(organization=orgs.a.org, by=None, name="Live", preset="cr80")
    client = client_for(orgs.a.members["admin"])
    fragment = client.post(
        f"/badges/templates/{template.pk}/draft/",
        editor_post(template, orientation="portrait"),
        HTTP_HX_REQUEST="true",
    )
    assert fragment.status_code == 200 and b"<iframe" in fragment.content
    pdf = client.get(fragment.context["preview_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    refused = client.post(
        f"/badges/templates/{template.pk}/draft/", editor_post(template, **{"el-0-x": "500"})
    )
    assert refused.context["errors"]
    with scoped(orgs.a.org):
        template.refresh_from_db()
        assert template.version == 1


def test_html_create_import_export_and_assign(orgs, client_for, scoped):
    client = client_for(orgs.a.members["admin"])
    created = client.post(
        "/badges/templates/new/", {"name": "Neuf", "preset": "a6", "orientation": "portrait"}
    )
    assert created.status_code == 302
    with scoped(orgs.a.org):
        template = BadgeTemplate.objects.get(name="Neuf")
    exported = client.get(f"/badges/templates/{template.pk}/export.json")
    upload = io.BytesIO(exported.content)
    upload.name = "neuf.json"
    imported = client.post("/badges/templates/import/", {"file": upload, "name": "Copie"})
    assert imported.status_code == 302
    not_json = io.BytesIO(b"\xff\xfe nope")
    not_json.name = "x.json"
    assert client.post("/badges/templates/import/", {"file": not_json}).status_code == 200
    assigned = client.post(
        f"/badges/templates/{template.pk}/assignments/", {"site": orgs.a.site.pk, "desk": orgs.a.desk.pk}
    )
    assert assigned.status_code == 302
    with scoped(orgs.a.org):
        assert BadgeTemplate.objects.filter(name="Copie").exists()
        assignment = template.assignments.get()
        assert assignment.desk == orgs.a.desk
    assert client.post(f"/badges/assignments/{assignment.pk}/delete/").status_code == 302
    listing = client.get("/badges/templates/")
    assert listing.status_code == 200 and "Neuf" in listing.content.decode()


def test_pages_are_in_french_by_default(orgs, client_for):
    page = client_for(orgs.a.members["admin"]).get("/badges/templates/").content.decode()
    assert "Modèles de badges" in page


def test_layout_errors_come_in_french(orgs, client_for):
    body = {
        "name": "X",
        "preset": "cr80",
        "layout": [{"type": "qr", "name": "code", "x": 80, "y": 0, "width": 20, "height": 20}],
    }
    message = (
        client_for(orgs.a.members["admin"])
        .post("/api/v1/badge-templates/", body, content_type="application/json")
        .json()["layout"][0]
    )
    assert "code" in message and "hors du badge" in message


def test_seed_demo_hook_adds_templates_assigned_by_default(orgs, scoped):
    from badges import demo

    with scoped(orgs.a.org):
        demo.seed(orgs.a.org)
        assert BadgeTemplate.objects.count() == 2
        assert BadgeTemplate.objects.filter(assignments__isnull=False).count() == 1
        assert all(t.logo_id for t in BadgeTemplate.objects.all())


def test_assignments_through_the_api_refuse_another_organizations_desk(orgs, client_for, scoped):
    with scoped(orgs.a.org):
        template = services.create_template(organization=orgs.a.org, by=None, name="Guichet", preset="a6")
    client = client_for(orgs.a.members["admin"])
    created = client.post(
        "/api/v1/badge-assignments/",
        {"template": template.pk, "desk": orgs.a.desk.pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["site"] == orgs.a.site.pk  # a desk implies its site
    foreign = client.post(
        "/api/v1/badge-assignments/",
        {"template": template.pk, "desk": orgs.b.desk.pk},
        content_type="application/json",
    )
    assert foreign.status_code == 400 and "desk" in foreign.json()
    mismatch = client.post(
        "/api/v1/badge-assignments/",
        {"template": template.pk, "site": orgs.a.site2.pk, "desk": orgs.a.desk.pk},
        content_type="application/json",
    )
    assert mismatch.status_code == 400 and "desk" in mismatch.json()
    assert client.delete(f"/api/v1/badge-assignments/{created.json()['id']}/").status_code == 204


def test_logo_upload_as_a_file(orgs, client_for):
    upload = io.BytesIO(png())
    upload.name = "logo.png"
    response = client_for(orgs.a.members["admin"]).post(
        "/api/v1/badge-templates/", {"name": "Fichier", "preset": "a6", "logo_file": upload}
    )
    assert response.status_code == 201, response.content
    assert response.json()["has_logo"] is True
