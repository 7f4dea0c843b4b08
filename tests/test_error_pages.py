"""Production behaviour (issue 14, point 7): DEBUG is off unless asked for, error
pages are the site's own, in the reader's language, with a way back, and static
files are served by the application itself (whitenoise)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

from config import urls as project_urls


def boom(request):
    raise RuntimeError("a bug")


# A URL configuration with one failing view, and the project's error handlers.
urlpatterns = [path("boom/", boom, name="boom"), *project_urls.urlpatterns]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_debug_is_off_unless_a_developer_asks_for_it():
    def debug(**env):
        environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_DEBUG")}
        environment.update(env, DJANGO_ENV="development")
        return (
            subprocess.run(
                [
                    sys.executable,
                    "manage.py",
                    "shell",
                    "-c",
                    "from django.conf import settings; print(settings.DEBUG)",
                ],
                cwd=settings.BASE_DIR,
                env=environment,
                capture_output=True,
                text=True,
                timeout=120,
            )
            .stdout.strip()
            .splitlines()[-1]
        )

    assert debug() == "False"  # what `make run` gets
    assert debug(DJANGO_DEBUG="1") == "True"


def test_404_is_branded_in_french_and_lists_no_url_pattern():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page introuvable" in body and 'lang="fr"' in body
    assert 'href="/static/css/app.css"' in body and "Vestibule" in body
    assert "Aller à la page de connexion" in body
    # Django's debug page lists the URL patterns; ours names none of them.
    assert "api/v1/" not in body and "Using the URLconf" not in body


def test_404_in_english_for_a_signed_in_member_leads_back_home(orgs, client_for):
    client = english(client_for(orgs.a.members["host"]))
    body = client.get("/no-such-page/").content.decode()
    assert "Page not found" in body and 'lang="en"' in body
    assert "Back to the home page" in body
    assert "nav" in body and "Org A" in body  # the member's own frame, menu included


def test_404_for_reception_leads_back_to_the_desk(orgs, client_for):
    body = client_for(orgs.a.members["reception"]).get("/no-such-page/").content.decode()
    assert "Retour au guichet" in body and 'href="/desk/"' in body


def test_403_is_branded_in_both_languages(orgs, client_for):
    client = client_for(orgs.a.members["host"])
    french = client.get("/members/")
    assert french.status_code == 403
    assert "Accès refusé" in french.content.decode()
    assert "Votre rôle ne donne pas accès à cette page" in french.content.decode()
    assert "Access refused" in english(client).get("/members/").content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_500_is_branded_in_both_languages_without_a_stack_trace(orgs, client_for):
    client = client_for(orgs.a.members["reception"])
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Erreur du serveur" in body and 'lang="fr"' in body
    assert "a bug" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert 'href="/desk/"' in body  # the way back
    english(client)
    assert "Server error" in client.get("/boom/").content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_api_errors_answer_json():
    client = Client(raise_request_exception=False)
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "Cette page n'existe pas, ou ne fait pas partie de ce que vous pouvez voir."
    }


def test_a_csrf_failure_says_what_to_do():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "a@b.test", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Formulaire expiré" in body and "rechargez la page" in body
    english(client)
    assert "Form expired" in client.post("/login/", {"username": "a@b.test"}).content.decode()


def test_a_bad_host_gets_the_branded_400():
    response = Client(HTTP_HOST="evil.example").get("/login/")
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()
    response = english(Client(HTTP_HOST="evil.example")).get("/login/")
    assert "Bad request" in response.content.decode()


def test_static_files_are_served_with_debug_off():
    assert settings.DEBUG is False
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert b".card" in b"".join(response.streaming_content)
