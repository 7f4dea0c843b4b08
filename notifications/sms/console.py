"""Development: SMS are printed, like Django's console e-mail backend."""

import sys
import uuid

from .base import SmsBackend, SmsResult


class ConsoleBackend(SmsBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        provider_id = f"console-{uuid.uuid4().hex[:16]}"
        self.stream.write(f"--- SMS {provider_id} to {to}\n{body}\n---\n")
        self.stream.flush()
        return SmsResult(provider_id)
