"""Languages are configuration: settings.LANGUAGES decides what forms, the API,
the kiosk, exports and consent texts offer. A fourth language is a settings line
(and a .po file): no code, no migration."""

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from config import translated
from tenancy.scope import tenant_scope
from visitors import configuration
from visitors.forms import VisitTypeForm
from visitors.models import VisitType
from visitors.tests.factories import make_visit_type

WITH_ITALIAN = [("fr", _("French")), ("en", _("English")), ("de", _("German")), ("it", _("Italian"))]


def test_german_is_configured_and_french_stays_the_default(settings):
    assert [code for code, _name in settings.LANGUAGES] == ["fr", "en", "de"]
    assert translated.languages() == ["fr", "en", "de"]
    assert translated.default_language() == "fr"


@override_settings(LANGUAGES=WITH_ITALIAN)
def test_a_fourth_language_is_offered_by_the_visit_type_form(orgs):
    with tenant_scope(orgs.a.org):
        form = VisitTypeForm(
            {
                "name_fr": "Réunion",
                "name_it": "Riunione",
                "color": "#123456",
                "default_duration_minutes": 60,
            }
        )
        assert [f for f in form.fields if f.startswith("name_")] == [
            "name_fr",
            "name_en",
            "name_de",
            "name_it",
        ]
        assert form.fields["name_fr"].required and not form.fields["name_it"].required
        assert form.is_valid(), form.errors
        kind = configuration.save_visit_type(
            organization=orgs.a.org, name=translated.form_values(form.cleaned_data, "name")
        )
        kind = VisitType.objects.get(pk=kind.pk)
        assert translated.translations(kind, "name") == {
            "fr": "Réunion",
            "en": "",
            "de": "",
            "it": "Riunione",
        }
        with translation.override("it"):
            assert str(kind) == "Riunione"
        with translation.override("en"):
            assert str(kind) == "Réunion"  # missing: the default language's


@override_settings(LANGUAGES=WITH_ITALIAN)
def test_a_fourth_language_is_accepted_by_the_api_and_in_its_schema(orgs, client_for):
    admin = client_for(orgs.a.members["admin"])
    names = {"fr": "Livraison", "en": "Delivery", "de": "Lieferung", "it": "Consegna"}
    r = admin.post(
        "/api/v1/visit-types/",
        {"name_translations": names, "host_required": False},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["name_translations"] == names
    assert r.json()["name"] == "Livraison"
    r = admin.get(f"/api/v1/visit-types/{r.json()['id']}/", HTTP_ACCEPT_LANGUAGE="it")
    assert r.json()["name_translations"]["it"] == "Consegna"
    schema = admin.get("/api/schema/?format=json").json()
    field = schema["components"]["schemas"]["VisitType"]["properties"]["name_translations"]
    assert field["type"] == "object" and set(field["properties"]) == {"fr", "en", "de", "it"}
    assert field["additionalProperties"] is False


def test_the_schema_shows_translations_as_a_map_of_the_configured_languages(orgs, client_for):
    schema = (
        client_for(orgs.a.members["admin"]).get("/api/schema/?format=json").json()["components"]["schemas"]
    )
    for component, field in (
        ("VisitTypeRequest", "name_translations"),
        ("ConsentTextRequest", "title"),
        ("ConsentTextRequest", "body"),
    ):
        prop = schema[component]["properties"][field]
        assert prop["type"] == "object"
        assert list(prop["properties"]) == ["fr", "en", "de"]
        assert prop["required"] == ["fr"]
    assert schema["VisitType"]["properties"]["name_translations"]["properties"]["de"] == {
        "type": "string",
        "maxLength": 100,
    }


@pytest.mark.parametrize(
    ("names", "why"),
    [
        ({"fr": "Réunion", "xx": "?"}, "xx"),
        ({"en": "Meeting"}, "fr"),
        ({"fr": ""}, "fr"),
        ({"fr": 3}, "fr"),
        ("Réunion", "obj"),  # objet (fr), object (en)
        ({"fr": "é" * 101}, "100"),
    ],
)
def test_bad_translations_are_400_naming_the_field(orgs, client_for, names, why):
    r = client_for(orgs.a.members["admin"]).post(
        "/api/v1/visit-types/", {"name_translations": names}, content_type="application/json"
    )
    assert r.status_code == 400, r.content
    assert "name_translations" in r.json()
    assert why in str(r.json()["name_translations"])


def test_a_patch_changes_only_the_languages_it_names(orgs, client_for):
    with tenant_scope(orgs.a.org):
        kind = make_visit_type(orgs.a, name_fr="Réunion", name_en="Meeting")
    r = client_for(orgs.a.members["admin"]).patch(
        f"/api/v1/visit-types/{kind.pk}/",
        {"name_translations": {"de": "Besprechung"}},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["name_translations"] == {"fr": "Réunion", "en": "Meeting", "de": "Besprechung"}


def test_german_visit_type_names_are_shown_in_german(orgs):
    with tenant_scope(orgs.a.org):
        kind = make_visit_type(orgs.a, name_fr="Livraison", name_en="Delivery", name_de="Lieferung")
        for language, shown in (("fr", "Livraison"), ("en", "Delivery"), ("de", "Lieferung")):
            with translation.override(language):
                assert str(kind) == shown


def test_the_kiosk_offers_every_other_configured_language_in_its_own_words(orgs, client):
    with tenant_scope(orgs.a.org):
        _token, key = configuration.create_kiosk_token(site=orgs.a.site)
    page = client.get(f"/kiosk/{key}/").content.decode()
    assert 'href="?lang=en" lang="en">English</a>' in page
    assert 'href="?lang=de" lang="de">Deutsch</a>' in page
    page = client.get(f"/kiosk/{key}/?lang=de").content.decode()
    assert '<html lang="de"' in page or 'lang="de"' in page
    assert 'href="?lang=fr" lang="fr">Français</a>' in page


@override_settings(LANGUAGES=WITH_ITALIAN)
def test_the_kiosk_offers_a_fourth_language_without_code(orgs, client):
    with tenant_scope(orgs.a.org):
        _token, key = configuration.create_kiosk_token(site=orgs.a.site)
    page = client.get(f"/kiosk/{key}/").content.decode()
    assert 'href="?lang=it" lang="it">Italiano</a>' in page


def test_shipped_messages_exist_in_german_and_fit_their_channel():
    from notifications import templating
    from notifications.defaults import TEXTS, default_template
    from notifications.models import Event

    for event in Event.values:
        assert (event, "de") in TEXTS
        for channel in ("email", "sms"):
            subject, body = default_template(event, channel, "de")
            sample = templating.sample_context("de")
            templating.validate(channel=channel, subject=subject, body=body, sample=sample)
            if channel == "sms":
                assert templating.sms_length(templating.render(body, sample)).segments <= 3


@override_settings(LANGUAGES=WITH_ITALIAN)
def test_a_language_without_shipped_messages_gets_the_default_languages():
    from notifications.defaults import default_template

    assert default_template("visit.arrived", "email", "it") == default_template(
        "visit.arrived", "email", "fr"
    )


def test_visit_type_names_are_exported_in_the_exports_language(orgs):

    with tenant_scope(orgs.a.org):
        kind = make_visit_type(orgs.a, name_fr="Livraison", name_en="Delivery", name_de="Lieferung")
        rows = VisitType.objects.filter(pk=kind.pk)
        for language, shown in (("fr", "Livraison"), ("en", "Delivery"), ("de", "Lieferung")):
            value = rows.annotate(shown=translated.expression("name", language)).values_list(
                "shown", flat=True
            )
            assert list(value) == [shown]
        nameless = make_visit_type(orgs.a, name_fr="Entretien", name_en="Interview")
        value = VisitType.objects.filter(pk=nameless.pk).annotate(shown=translated.expression("name", "de"))
        assert list(value.values_list("shown", flat=True)) == ["Entretien"]


def test_a_configuration_file_from_before_keeps_its_names_in_both_languages(orgs):
    """Configuration documents written when names were `name_fr`/`name_en`
    columns still import, their English into `i18n`."""
    from backups import capture

    with tenant_scope(orgs.a.org):
        make_visit_type(orgs.a, name_fr="Réunion", name_en="Meeting")
        document = capture.export_config()
    for item in document["models"]["visitors.VisitType"]:
        fields = item["fields"]
        fields["name_fr"] = fields.pop("name")
        fields["name_en"] = fields.pop("i18n")["name_en"]
    with tenant_scope(orgs.b.org):
        capture.import_config(organization=orgs.b.org, document=document)
        kind = VisitType.objects.get(name="Réunion")
        assert translated.translations(kind, "name") == {"fr": "Réunion", "en": "Meeting", "de": ""}
