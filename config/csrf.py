"""CSRF for pages visitors use without an account (the kiosk, the signing links).

Those pages keep CSRF: a POST needs the token of the form. What differs is an
`Origin: null` header. Chromium sends it on a form's POST when the page's
referrer policy hides its origin (`no-referrer`, as the signing pages had), and
some privacy settings and extensions do the same; Django's middleware refuses
it whatever the token ("Origin checking failed - null"), which stranded every
visitor. On a view marked `@opaque_origin_allowed`, `Origin: null` is taken as
"the browser did not say": `OpaqueOriginMiddleware`, just before Django's
`CsrfViewMiddleware`, reads it as this site's origin when no Referer says
otherwise, and Django's middleware then decides by the token. Another origin
is refused as before, and staff pages, whose session a forged POST could ride,
keep Django's rule unchanged.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost


def opaque_origin_allowed(view):
    """Mark a public view whose POSTs may carry `Origin: null` (see above)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper.csrf_opaque_origin_allowed = True
    return wrapper


class OpaqueOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if request.META.get("HTTP_ORIGIN") != "null" or not getattr(
            callback, "csrf_opaque_origin_allowed", False
        ):
            return None
        try:
            ours = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
        except DisallowedHost:
            return None
        referer = request.META.get("HTTP_REFERER")
        if referer:
            try:
                parts = urlsplit(referer)
            except ValueError:
                return None
            if f"{parts.scheme}://{parts.netloc}" != ours:
                return None  # another site's page: Django refuses the null origin
        request.META["HTTP_ORIGIN"] = ours
        return None
