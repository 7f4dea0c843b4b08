"""The interface every SMS backend implements."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    status: str = "sent"


class SmsError(Exception):
    """`transient`: worth retrying (network, 5xx, throttling). Otherwise the
    message can never go as is (invalid number, rejected content)."""

    def __init__(self, message: str, *, transient: bool, code: str = ""):
        super().__init__(message)
        self.transient = transient
        self.code = code


class SmsBackend:
    #: Whether the provider calls our status endpoint back (delivered, undelivered).
    reports_delivery = False

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        raise NotImplementedError
