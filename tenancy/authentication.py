"""DRF authentication on top of what TenantMiddleware already resolved."""

from rest_framework.authentication import BaseAuthentication, SessionAuthentication


class MembershipTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`: the middleware has checked the key and opened
    the tenant scope; this only hands the result to DRF."""

    keyword = "Token"

    def authenticate(self, request):
        token = getattr(request._request, "api_token", None)
        if token is None:
            return None
        return (request._request.user, token)

    def authenticate_header(self, request):
        return self.keyword


class ScopedSessionAuthentication(SessionAuthentication):
    def authenticate_header(self, request):
        # Lets DRF answer 401 rather than 403 to an anonymous API call.
        return "Session"
