"""Who is acting, for the journal: set per request or task, read by audit.record."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    token_id: int | None = None
    ip: str | None = None
    # The membership acting in the request's organization (None for a system task).
    membership_id: int | None = None

    @property
    def kind(self) -> str:
        if self.token_id:
            return "token"
        return "user" if self.user_id else "system"


SYSTEM = Actor()
current_actor: ContextVar[Actor] = ContextVar("current_actor", default=SYSTEM)


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted when the proxy rewrites it
    # (gunicorn's --forwarded-allow-ips), never from the client directly.
    return request.META.get("REMOTE_ADDR") or None
