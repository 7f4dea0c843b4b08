"""The Content-Security-Policy header (django-csp), on every response but PDFs.

A browser shows a PDF through its own viewer, which the document's policy would
block (`object-src 'none'`); our PDFs (badges, roll calls, certificates) carry
no script of theirs to guard against."""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("application/pdf"):
            response._csp_exempt = True
            response._csp_exempt_ro = True
        return super().process_response(request, response)
