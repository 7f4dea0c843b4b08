"""Responses whose body is made after the request's transaction.

A request of a member is one transaction (`TenantMiddleware`), and whatever it
has locked (a visit's row, the organization's journal head) stays locked until
it ends. A body that is slow to make and needs no database (a badge PDF drawn
from values already read) is made after the commit instead: the view reads
what it needs, and hands the drawing over as a callable.
"""

from collections.abc import Callable

from django.http import HttpResponse


class MadeAfterCommit(HttpResponse):
    """`make()` gives the body; `TenantMiddleware` calls `finish()` once the
    request's transaction is over (a view outside it calls `finish()` itself
    after leaving its tenant scope). Until then the body is empty."""

    def __init__(self, make: Callable[[], bytes], **kwargs):
        super().__init__(b"", **kwargs)
        self._make = make

    def finish(self) -> None:
        if self._make is not None:
            make, self._make = self._make, None
            self.content = make()


def finish(response):
    """Make the body of a `MadeAfterCommit` response (no-op for others)."""
    if isinstance(response, MadeAfterCommit):
        response.finish()
    return response
