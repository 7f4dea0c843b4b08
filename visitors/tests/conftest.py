import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from visitors import invitations


@pytest.fixture(autouse=True)
def _english_and_locmem_mail(settings):
    """Assertions read English messages; French has its own test."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    # Put back the sender the app wired (notifications routes invitations through
    # its rules): browser journeys that run later in the session rely on it.
    saved = invitations.sender
    invitations.sender = invitations.default_sender
    with translation.override("en"):
        yield
    invitations.sender = saved


@pytest.fixture
def api(client_for):
    """`api(org, role)`: a signed-in client of that organization's member, in English."""

    def make(org, role, language="en"):
        client = client_for(org.members[role])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return make
