"""Responses whose body is made after the request's transaction.

A request of a member is one transaction (`TenantMiddleware`), and whatever it
has locked (a visit's row, the organization's journal head) stays locked until
it ends. A body that is slow to make and needs no database (a badge PDF drawn
from values already read) is made after the commit instead: the view reads
what it needs, and hands the drawing over as a callable.
"""

import logging
from collections.abc import Callable

from django.http import HttpResponse

log = logging.getLogger(__name__)


class MadeAfterCommit(HttpResponse):
    """`make()` gives the body; `TenantMiddleware` calls `finish()` once the
    request's transaction is over (a view outside it calls `finish()` itself
    after leaving its tenant scope). Until then the body is empty.

    What the request wrote is committed by then: if `make()` fails, the answer
    is `failed` (a response saying what was kept and how to get the body
    again, in the request's language), not a server error page."""

    def __init__(self, make: Callable[[], bytes], *, failed: Callable[[], HttpResponse], **kwargs):
        super().__init__(b"", **kwargs)
        self._make = make
        self._failed = failed

    def finish(self) -> HttpResponse:
        if self._make is None:
            return self
        make, self._make = self._make, None
        try:
            self.content = make()
        except Exception:
            log.exception("the body made after commit failed")
            return self._failed()
        return self


def finish(response):
    """Make the body of a `MadeAfterCommit` response (no-op for others)."""
    if isinstance(response, MadeAfterCommit):
        return response.finish()
    return response
