"""OpenAPI post-processing: the answers every operation can give besides its own.

drf-spectacular documents what a view returns when all goes well. Any operation
can also refuse its input (400, e.g. a NUL byte in a parameter), an anonymous
or unknown token (401), a role that may not act (403), an object of another
organization or outside the perimeter (404) and a body in a format it does not
read (415); a caller over its request budget (tenancy/throttle.py) answers 429
with Retry-After. The API's clients read those bodies too, so the schema states
them, with the shapes DRF gives them."""

import copy

ERROR = {
    "type": "object",
    "description": "A refusal, explained in the caller's language.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Input refused: each key names a field (or a query parameter, or "
        "`non_field_errors`, or `detail` for an unreadable body), with its messages "
        "in the caller's language."
    ),
    "additionalProperties": {},
}

GENERIC = {
    "400": ("FieldErrors", "Input refused, with the fields named."),
    "401": ("Error", "No valid session or token."),
    "403": ("Error", "The caller's role may not do this."),
    "429": ("Error", "Over the caller's request budget (per member, per address)."),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the budget allows a new request.",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _json(ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _plain_times(node):
    """JSON Schema's `time` format requires an offset ("10:00:00+01:00"); our
    times of day are local to a site ("10:00:00"), which DRF writes and reads."""
    if isinstance(node, dict):
        if node.get("format") == "time":
            node["format"] = "partial-time"
            node["pattern"] = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
        for value in node.values():
            _plain_times(value)
    elif isinstance(node, list):
        for value in node:
            _plain_times(value)


def document_errors(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, (ref, description) in GENERIC.items():
                responses.setdefault(status, _json(ref, description))
            if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                responses.setdefault("404", _json("Error", "No such object for the caller."))
            for status, response in responses.items():
                # A refusal declared by its description only (409: "already printed").
                if str(status).startswith("4") and "content" not in response:
                    response["content"] = _json("Error", "")["content"]
            responses["429"].setdefault("headers", copy.deepcopy(RETRY_AFTER))
            if "requestBody" in operation:
                responses.setdefault(
                    "415", _json("Error", "The body is in a format this operation does not read.")
                )
    _plain_times(result)
    return result
