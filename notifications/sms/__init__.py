"""SMS backends behind one interface: `get_backend().send(to=..., body=...)`.

`SMS_BACKEND` picks one: "console" (development: printed), "twilio", or a
dotted path to a class. A backend returns the provider's message id or raises
SmsError telling a transient failure (retry later) from a permanent one.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import SmsBackend, SmsError, SmsResult

BACKENDS = {
    "console": "notifications.sms.console.ConsoleBackend",
    "twilio": "notifications.sms.twilio.TwilioBackend",
}

__all__ = ["SmsBackend", "SmsError", "SmsResult", "get_backend"]


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    return import_string(BACKENDS.get(name, name))()
