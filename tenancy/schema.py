"""OpenAPI descriptions of our authentication, for /api/schema/ and /api/docs/."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenancy.authentication.MembershipTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'API key of one membership: "Token <key>" (POST /api/v1/auth/token/).',
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "tenancy.authentication.ScopedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
