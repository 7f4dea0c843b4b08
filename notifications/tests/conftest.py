import pytest

from .servers import FakeTwilio, SmtpServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free loopback port, Django's SMTP backend on it."""
    server = SmtpServer().start()
    for key, value in server.settings().items():
        setattr(settings, key, value)
    yield server
    server.stop()


@pytest.fixture
def twilio(settings):
    fake = FakeTwilio().start()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.TWILIO_FROM_NUMBER = "+33700000000"
    settings.TWILIO_API_BASE_URL = fake.url
    settings.TWILIO_TIMEOUT = 1
    yield fake
    fake.stop()


@pytest.fixture
def a(orgs):
    return orgs.a


@pytest.fixture
def visit(a, scoped):
    from visitors.tests.factories import make_visit

    with scoped(a.org):
        return make_visit(a, desk=a.desk)


@pytest.fixture(autouse=True)
def _invitations_through_notifications():
    """Other apps' tests put the visits app's own sender back; ours need ours."""
    from notifications.outbox import send_invitation
    from visitors import invitations

    saved = invitations.sender
    invitations.sender = send_invitation
    yield
    invitations.sender = saved
