"""The purge proof in words: data types, actions and sites by their names,
times with their zone, and a PDF whose cells wrap between words only."""

import io
import re

import pytest
from pypdf import PdfReader

from retention import purge, reports
from tenancy.scope import tenant_scope

from .factories import old_visit

pytestmark = pytest.mark.django_db


def _done_run(org_fixture):
    with tenant_scope(org_fixture.org):
        old_visit(org_fixture)
        run = purge.start_run(organization=org_fixture.org)
    purge.execute(org_fixture.org.pk, run.pk)
    return run


def test_run_page_names_types_actions_sites_and_times(orgs, client_for):
    run = _done_run(orgs.a)
    page = client_for(orgs.a.members["compliance"]).get(f"/retention/runs/{run.pk}/").content.decode()
    assert "Visites" in page and ("Anonymiser" in page or "Supprimer" in page)
    assert ">visits<" not in page and ">anonymise<" not in page and "None" not in page
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} \((CET|CEST)\)", page)


def test_purge_pdf_fits_the_page_and_breaks_no_word(orgs):
    run = _done_run(orgs.a)
    with tenant_scope(orgs.a.org):
        run.refresh_from_db()
        pdf = reports.report_pdf(run)
        widths = sum(width for _key, _label, width in reports.COLUMNS)
    assert widths <= 842 - 2 * 36  # landscape A4 less its margins
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    lines = [line.strip() for line in text.splitlines()]
    # Every word of the headers and of the data types is whole on some line.
    for word in ("anonymisées", "supprimées", "juridique", "Visites", "Lignes"):
        assert any(word in line for line in lines), (word, lines)
    assert run.digest in text.replace("\n", "")
    assert "None" not in text and "visits" not in text
