"""Consent texts in the configured languages: a signed version stays frozen
whatever the language, and a language a version lacks is shown (and signed) in
settings.LANGUAGE_CODE."""

import pytest
from django.db import DatabaseError, transaction

from documents.models import ConsentVersion
from documents.tests.helpers import consent_text, sign
from tenancy.scope import tenant_scope


def test_a_signed_version_stays_frozen_in_every_language(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        sign(visit_a, text)
        version = text.current_version
        with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
            ConsentVersion.objects.filter(pk=version.pk).update(i18n={"title_de": "Regeln"})
        with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
            ConsentVersion.objects.filter(pk=version.pk).update(title="Autre")


def test_a_consent_text_without_german_is_signed_in_french_by_a_german_reader(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(orgs.a, [visit_a.visit_type])
        version = text.current_version
        assert version.shown_language("de") == "fr"
        assert version.shown_text("de") == version.shown_text("fr")
        assert version.shown_text("en") != version.shown_text("fr")


def test_a_german_reader_signs_the_german_wording_when_there_is_one(orgs, visit_a):
    with tenant_scope(orgs.a.org):
        text = consent_text(
            orgs.a, [visit_a.visit_type], title_de="Sicherheitshinweise", body_de="Ausweis tragen."
        )
        [consent] = sign(visit_a, text, language="de")
        assert consent.language == "de"
        assert text.current_version.shown_text("de") == "Sicherheitshinweise\n\nAusweis tragen."
