"""Templates: checked when saved (with the line), previewed, SMS measured."""

import pytest
from django.core.exceptions import ValidationError

from notifications import services, templating
from notifications.models import Message, MessageTemplate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "line", "says"),
    [
        ("Bonjour\n{{ visitor.age }}", 2, "unknown variable “visitor.age”"),
        ("Bonjour\n\n{{ visitor.first_name", 3, "is not closed"),
        ("}} oops", 1, "has no opening"),
        ("ok\n{% if visitor %}x{% endif %}", 2, "tags like"),
        ("{{ visitor.first_name|upper }}", 1, "is not a variable name"),
    ],
)
def test_template_problems_name_the_line(body, line, says):
    from django.utils import translation

    with translation.override("en"):
        (problem,) = templating.problems(body)
        assert problem.line == line and says in problem.message
        assert str(problem).startswith(f"Line {line}:")


def test_a_bad_template_is_refused_when_saved_with_the_line(a, scoped):
    with scoped(a.org), pytest.raises(ValidationError) as refused:
        services.save_template(
            organization=a.org,
            event="visit.arrived",
            channel="email",
            language="fr",
            subject="Arrivée",
            body="Bonjour\n{{ visiteur.nom }}",
        )
    assert refused.value.message_dict["body"] == ["Ligne 2\u202f: variable inconnue « visiteur.nom »."]
    with scoped(a.org):
        assert not MessageTemplate.objects.exists()


def test_the_api_refuses_a_bad_template_with_the_line(a, client_for):
    client = client_for(a.members["admin"])
    payload = {
        "event": "visit.arrived",
        "channel": "email",
        "language": "en",
        "subject": "Hi {{ host.nme }}",
        "body": "ok",
    }
    response = client.post(
        "/api/v1/message-templates/", payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["subject"] == ["Line 1: unknown variable “host.nme”."]


def test_the_editor_refuses_a_bad_template_and_saves_a_good_one(a, client_for, scoped):
    client = client_for(a.members["admin"])
    url = "/notifications/templates/visit.arrived/email/en/"
    refused = client.post(url, {"subject": "Hi", "body": "line one\n{{ visitor.first_name"})
    assert refused.status_code == 200 and "Ligne 2" in refused.content.decode()
    saved = client.post(url, {"subject": "Hi {{ visitor.first_name }}", "body": "At {{ desk.name }}"})
    assert saved.status_code == 302
    with scoped(a.org):
        template = MessageTemplate.objects.get()
    assert (template.event, template.channel, template.language, template.body) == (
        "visit.arrived",
        "email",
        "en",
        "At {{ desk.name }}",
    )
    restored = client.post(url, {"action": "reset"})
    assert restored.status_code == 302
    with scoped(a.org):
        assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("€" * 80, "GSM-7", 1),  # escape characters count twice
        ("€" * 81, "GSM-7", 2),
        ("é" * 160, "GSM-7", 1),  # é is in the GSM-7 alphabet
        ("ê" * 70, "UCS-2", 1),  # ê is not
        ("ê" + "a" * 70, "UCS-2", 2),
        ("a" * 153 * 10, "GSM-7", 10),
    ],
)
def test_sms_segments(text, encoding, segments):
    length = templating.sms_length(text)
    assert (length.encoding, length.segments) == (encoding, segments)


def test_an_sms_over_ten_segments_is_refused(a, scoped):
    with scoped(a.org):
        services.save_template(
            organization=a.org, event="visit.arrived", channel="sms", language="fr", body="a" * 1530
        )
        with pytest.raises(ValidationError) as refused:
            services.save_template(
                organization=a.org, event="visit.arrived", channel="sms", language="fr", body="ê" * 700
            )
    assert "segments (11, UCS-2)" in refused.value.message_dict["body"][0]


def test_shipped_defaults_are_valid_in_both_languages():
    from notifications.defaults import default_template
    from notifications.models import Event

    for event in Event.values:
        for language in ("fr", "en"):
            for channel in ("email", "sms"):
                subject, body = default_template(event, channel, language)
                templating.validate(
                    channel=channel, subject=subject, body=body, sample=templating.sample_context(language)
                )
                if channel == "sms":
                    assert (
                        templating.sms_length(
                            templating.render(body, templating.sample_context(language))
                        ).segments
                        <= 3
                    )


def test_preview_with_sample_data_and_sms_length(a, client_for):
    client = client_for(a.members["admin"])
    response = client.post(
        "/api/v1/message-templates/preview/",
        {"channel": "sms", "language": "fr", "body": "{{ visitor.full_name }} est là"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["body"] == "Hélène Lefèvre est là"
    assert response.json()["sms"]["encoding"] == "GSM-7"
    screen = client.post(
        "/notifications/templates/visit.arrived/sms/fr/",
        {"action": "preview", "body": "{{ site.name }}"},
        HTTP_HX_REQUEST="true",
    )
    assert "Lyon — Siège" in screen.content.decode()


def test_send_a_test_to_me_goes_through_the_send_log(a, client_for, scoped, smtp):
    from notifications.delivery import send

    client = client_for(a.members["admin"])
    response = client.post(
        "/notifications/templates/visit.arrived/email/en/",
        {"action": "test", "subject": "Arrived: {{ visitor.full_name }}", "body": "At {{ desk.name }}"},
    )
    assert response.status_code == 302
    with scoped(a.org):
        message = Message.objects.get()
    assert (message.recipient, message.recipient_kind, message.subject) == (
        "admin@org-a.test",
        "test",
        "[Test] Arrived: Hélène Lefèvre",
    )
    assert send(a.org.pk, message.pk) == "sent"
    ((recipients, email),) = smtp.messages
    assert recipients == ["admin@org-a.test"] and email["Subject"] == "[Test] Arrived: Hélène Lefèvre"
