"""A visitor's documents follow the visit they came with (issue 15, point 8):
reception reaching a person through a visit of its site does not reach what the
same person signed or handed over at another site."""

import pytest

from documents import services
from documents.tests.helpers import consent_text, pdf_bytes, sign, upload
from tenancy.scope import tenant_scope
from visitors.tests.factories import make_visit, make_visit_type, make_visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def both_sites(orgs):
    """One person with a visit at each site, a signed consent and an attachment
    at each."""
    with tenant_scope(orgs.a.org):
        vtype = make_visit_type(orgs.a)
        text = consent_text(orgs.a, [vtype], validity_months=12)
        person = make_visitor(orgs.a, first_name="Irène", last_name="Partout")
        found = {"person": person}
        for name, site in (("here", orgs.a.site), ("there", orgs.a.site2)):
            visit = make_visit(orgs.a, site=site, visitor=person, visit_type=vtype)
            found[name] = {
                "visit": visit,
                "consent": sign(visit, text)[0],
                "attachment": services.upload_attachment(
                    visit=visit, upload=upload(pdf_bytes()), channel="desk"
                ),
            }
    return found


def test_reception_reaches_the_documents_of_its_sites_visit_only(orgs, client_for, both_sites):
    reception = client_for(orgs.a.members["reception"])
    here, there = both_sites["here"], both_sites["there"]
    assert reception.get(f"/api/v1/visitors/{both_sites['person'].pk}/").status_code == 200
    attachments = reception.get(f"/api/v1/visits/{here['visit'].pk}/attachments/").json()
    assert [a["id"] for a in attachments] == [here["attachment"].pk]
    consents = reception.get(f"/api/v1/visits/{here['visit'].pk}/consents/").json()
    assert [c["id"] for c in consents["signed"]] == [here["consent"].pk]
    for url in (
        f"/api/v1/attachments/{there['attachment'].pk}/download/",
        f"/api/v1/signed-consents/{there['consent'].pk}/certificate/",
        f"/api/v1/visits/{there['visit'].pk}/attachments/",
        f"/api/v1/visits/{there['visit'].pk}/consents/",
        f"/visits/{there['visit'].pk}/documents/",
    ):
        assert reception.get(url).status_code == 404, url
    response = reception.get(f"/api/v1/attachments/{here['attachment'].pk}/download/")
    assert response.status_code == 200
    b"".join(response.streaming_content)


def test_admin_reaches_both(orgs, client_for, both_sites):
    admin = client_for(orgs.a.members["admin"])
    for name in ("here", "there"):
        response = admin.get(f"/api/v1/signed-consents/{both_sites[name]['consent'].pk}/certificate/")
        assert response.status_code == 200
        b"".join(response.streaming_content)
