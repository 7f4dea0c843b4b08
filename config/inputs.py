"""Input PostgreSQL cannot store: a NUL character (U+0000) is refused with 400,
naming where it was, before any view sees it.

PostgreSQL text cannot hold NUL, so a NUL that reached a query or a row ended
in a 500 (`?q=a%00b`). Query parameters are checked by `RefuseNulMiddleware`
for every page and API call; the API's bodies (JSON, forms, multipart fields)
by the parsers below, which DRF uses for every view (REST_FRAMEWORK settings)."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

NUL = "\x00"


def nul_message() -> str:
    return _("This value contains a NUL character, which is not accepted.")


def _find_nul(data, name: str | None = None) -> str | None:
    """The name of the first field holding a NUL (in a key or a value), or None;
    a nested field is named with dots ("visitor.last_name")."""
    if isinstance(data, str):
        return (name or "non_field_errors") if NUL in data else None
    if isinstance(data, list | tuple):
        return next((found for value in data if (found := _find_nul(value, name))), None)
    if hasattr(data, "lists"):  # QueryDict: every value of every key
        pairs = data.lists()
    elif isinstance(data, dict):
        pairs = data.items()
    else:
        return None
    for key, value in pairs:
        key = str(key)
        full = key if name is None else f"{name}.{key}"
        if NUL in key:
            return full.replace(NUL, "\\0")
        found = _find_nul(value, full)
        if found:
            return found
    return None


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _find_nul(request.GET)
        if field:
            if request.path.startswith("/api/"):
                return JsonResponse({field: [nul_message()]}, status=400)
            return HttpResponseBadRequest(
                f"{field}: {nul_message()}", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class _RefuseNul:
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        data = parsed.data if isinstance(parsed, parsers.DataAndFiles) else parsed
        field = _find_nul(data)
        if field:
            raise ValidationError({field: [nul_message()]})
        return parsed


class JSONParser(_RefuseNul, parsers.JSONParser):
    pass


class FormParser(_RefuseNul, parsers.FormParser):
    pass


class MultiPartParser(_RefuseNul, parsers.MultiPartParser):
    pass


BIGINT_MAX = 2**63 - 1


def whole_id(value) -> int | None:
    """`value` as a row id if it is one PostgreSQL can compare (ASCII digits,
    1 to bigint's maximum), else None: "²" passes str.isdigit() but not int(),
    and 2**63 is a 500 in the query."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= BIGINT_MAX else None
