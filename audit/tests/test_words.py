"""The journal in words: events by their names, people and objects named (an
erased person as such), data as labels, times with their zone; filters by event
from a list and by person from a search."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from audit import services as audit
from audit.labels import VERBS, verb_label
from audit.names import Names
from audit.sentences import describe
from tenancy.context import Actor, current_actor
from tenancy.scope import tenant_scope
from visitors.models import Visit, Visitor, VisitType

pytestmark = pytest.mark.django_db


def _visit(org_fixture, first="Hélène", last="Dupré"):
    visitor = Visitor.objects.create(organization=org_fixture.org, first_name=first, last_name=last)
    kind = VisitType.objects.create(organization=org_fixture.org, name_fr="Visiteur", name_en="Visitor")
    start = timezone.now()
    return Visit.objects.create(
        organization=org_fixture.org,
        site=org_fixture.site,
        visitor=visitor,
        visit_type=kind,
        host=org_fixture.members["host"],
        expected_at=start,
        expected_until=start + datetime.timedelta(hours=1),
    )


def _arrival(org_fixture, visit, by):
    token = current_actor.set(Actor(user_id=by.user_id))
    try:
        return audit.record(
            "visit.arrived",
            target=visit,
            site=visit.site_id,
            data={"visit_id": visit.pk, "visitor_id": visit.visitor_id, "desk_id": org_fixture.desk.pk},
        )
    finally:
        current_actor.reset(token)


def test_an_arrival_reads_as_a_sentence_in_french_and_english(orgs):
    with tenant_scope(orgs.a.org):
        visit = _visit(orgs.a)
        entry = _arrival(orgs.a, visit, orgs.a.members["reception"])
        with translation.override("fr"):
            assert describe(entry) == (
                "Arrivée enregistrée par reception org-a au guichet Desk 1\u202f: Visite de Hélène Dupré"
            )
        with translation.override("en"):
            assert describe(entry) == (
                "Arrival registered by reception org-a at the desk Desk 1: Visit of Hélène Dupré"
            )


def test_an_erased_person_is_named_as_erased(orgs):
    with tenant_scope(orgs.a.org):
        visit = _visit(orgs.a)
        entry = _arrival(orgs.a, visit, orgs.a.members["reception"])
        Visitor.objects.filter(pk=visit.visitor_id).update(
            first_name="", last_name="", anonymized_at=timezone.now()
        )
        with translation.override("fr"):
            names = Names([entry])
            assert names.target(entry) == "Visite de personne effacée"
            assert ("Visiteur", "personne effacée") in names.details(entry)


def test_every_verb_the_code_records_has_a_label():
    """A verb journaled anywhere in the code has its words in audit.labels.VERBS."""
    base = Path(settings.BASE_DIR)
    literal = re.compile(
        r"(?:record|journal_everywhere|journal_for_user_orgs)\(\s*(?:[a-z_]+,\s*)?\"([a-z_]+\.[a-z_]+)\""
    )
    conditional = re.compile(r"\"([a-z_]+\.[a-z_]+)\" if .+ else \"([a-z_]+\.[a-z_]+)\"")
    verbs = set()
    for path in base.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "record(" not in text and "journal_" not in text:
            continue
        verbs |= set(literal.findall(text))
        for pair in conditional.findall(text):
            verbs |= set(pair)
    verbs = {v for v in verbs if not v.startswith("test.")}
    assert len(verbs) > 40
    missing = sorted(verbs - set(VERBS))
    assert not missing, missing
    with translation.override("fr"):
        assert verb_label("visit.arrived") == "Arrivée enregistrée"
        assert verb_label("visit.something_new") == "Visit something new"  # words, never a code


def test_journal_page_shows_words_and_filters_by_event_and_person(orgs, client_for):
    with tenant_scope(orgs.a.org):
        visit = _visit(orgs.a)
        _arrival(orgs.a, visit, orgs.a.members["reception"])
        token = current_actor.set(Actor(user_id=orgs.a.members["admin"].user_id))
        try:
            audit.record(
                "site.updated", target=orgs.a.site, site=orgs.a.site, data={"fields": ["name", "timezone"]}
            )
        finally:
            current_actor.reset(token)
    client = client_for(orgs.a.members["compliance"])
    page = client.get("/journal/").content.decode()
    assert "Arrivée enregistrée" in page and "Visite de Hélène Dupré" in page and "reception org-a" in page
    assert "Site modifié" in page and "nom, fuseau horaire" in page
    assert "visit.arrived" not in page.replace('value="visit.arrived"', "")
    assert "{'" not in page and "None" not in page and " #" not in page
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2} \((CET|CEST)\)", page)
    # The event filter is a list of labels.
    assert '<option value="visit.arrived" >Arrivée enregistrée</option>' in page
    only_arrivals = client.get("/journal/", {"verb": "visit.arrived"}).content.decode()
    assert "Arrivée enregistrée</td>" in only_arrivals and "Site modifié</td>" not in only_arrivals
    # The person filter searches names, accents and case aside.
    by_admin = client.get("/journal/", {"person": "ADMIN org"}).content.decode()
    assert "Site modifié</td>" in by_admin and "Arrivée enregistrée</td>" not in by_admin
    nobody = client.get("/journal/", {"person": "personne inconnue"}).content.decode()
    assert "Aucune entrée" in nobody or "No entry" in nobody
