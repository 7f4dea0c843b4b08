"""Twilio's Messages API through the `twilio` package.

Errors are sorted by what a retry could change: the network, Twilio's 5xx and
429 (throttling) may pass later; a 4xx (invalid or unreachable number, message
refused) never will, so it fails at once with Twilio's own message.
"""

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .base import SmsBackend, SmsError, SmsResult


class TwilioBackend(SmsBackend):
    reports_delivery = True

    def __init__(self, *, account_sid=None, auth_token=None, from_number=None, base_url=None, timeout=None):
        self.from_number = from_number or settings.TWILIO_FROM_NUMBER
        self.client = Client(
            account_sid or settings.TWILIO_ACCOUNT_SID,
            auth_token or settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=timeout or settings.TWILIO_TIMEOUT),
        )
        base_url = base_url or settings.TWILIO_API_BASE_URL
        if base_url:
            # A regional edge, a proxy, or the fake Twilio of the tests.
            self.client.api.base_url = base_url

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        options = {"to": to, "from_": self.from_number, "body": body}
        if status_callback:
            options["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**options)
        except TwilioRestException as exc:
            transient = exc.status == 429 or exc.status >= 500
            text = f"Twilio {exc.status} {exc.code or ''}: {exc.msg}".replace("  ", " ")
            raise SmsError(text, transient=transient, code=str(exc.code or exc.status)) from exc
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise SmsError(f"Twilio unreachable: {exc}", transient=True) from exc
        return SmsResult(message.sid, message.status or "queued")
