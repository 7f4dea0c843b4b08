"""CSRF for pages visitors use without an account (the kiosk, the signing links).

Those pages keep CSRF: a POST needs the token of the form. What differs is an
`Origin: null` header. Chromium sends it on a form's POST when the page's
referrer policy hides its origin (`no-referrer`, as the signing pages had), and
some privacy settings and extensions do the same; Django's middleware refuses
it whatever the token ("Origin checking failed - null"), which stranded every
visitor. On a view marked `@opaque_origin_allowed`, `Origin: null` is taken as
"the browser did not say": the token decides, and a Referer, when one is sent,
must still be ours. Another origin is refused as before, and staff pages, whose
session a forged POST could ride, keep Django's rule unchanged.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware


def opaque_origin_allowed(view):
    """Mark a public view whose POSTs may carry `Origin: null` (see above)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper.csrf_opaque_origin_allowed = True
    return wrapper


class CsrfViewMiddleware(DjangoCsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        request._csrf_opaque_origin_allowed = getattr(callback, "csrf_opaque_origin_allowed", False)
        return super().process_view(request, callback, callback_args, callback_kwargs)

    def _origin_verified(self, request):
        if request.META.get("HTTP_ORIGIN") == "null" and getattr(
            request, "_csrf_opaque_origin_allowed", False
        ):
            return self._referer_absent_or_ours(request)
        return super()._origin_verified(request)

    def _referer_absent_or_ours(self, request) -> bool:
        referer = request.META.get("HTTP_REFERER")
        if not referer:
            return True
        try:
            parts = urlsplit(referer)
            host = request.get_host()
        except (ValueError, DisallowedHost):
            return False
        scheme = "https" if request.is_secure() else "http"
        return parts.scheme == scheme and parts.netloc == host
