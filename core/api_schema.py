"""The answers every API operation may give besides its own, added to the OpenAPI schema in one place.

They come from layers below the views (authentication, permissions, parsers, query validation,
the HTTP server), so no view's annotations mention them; without this, clients generated from
the schema and schema checkers treat them as surprises.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

CUSTOMER_NOT_FOUND = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="No such customer for this API key's shop."
)
BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named with what is wrong."
)

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What is wrong, in words a person can act on."}},
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "One key per bad field or parameter, each with what is wrong.",
}
SAFE_METHODS = {"get", "head", "options"}


def _json(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }


def _common_errors(method: str, operation: dict) -> dict[str, dict]:
    errors = {
        # Answered by the HTTP server (gunicorn) before the request reaches the application.
        "414": {
            "description": "The URL is too long (over about 4 KB): send fewer or shorter query parameters.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    }
    if operation.get("security"):
        errors["401"] = _json("No API key, or one that is invalid or revoked.")
    if method not in SAFE_METHODS:
        errors["403"] = _json("This API key's role may not make this change.")
    if "requestBody" in operation:
        errors["415"] = _json("The body is not JSON: send it with Content-Type: application/json.")
    errors["400"] = {
        "description": "A query parameter is unknown or invalid: each bad one is named with what is wrong.",
        "content": {"application/json": {"schema": FIELD_ERRORS_SCHEMA}},
    }
    return errors


def document_common_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: adds 400/401/403/414/415 where they can happen (and are not yet)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, response in _common_errors(method, operation).items():
                responses.setdefault(code, response)
    return result


# --- The `from` and `to` of the figures endpoints (read by core.ranges.range_parse) -----------------

MOMENT = "ISO 8601 date (midnight in the shop's time zone) or datetime with its offset."


def period_parameters():
    """The OpenAPI parameters `from` and `to`, as every figures endpoint reads them."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter

    return [
        OpenApiParameter("from", OpenApiTypes.STR, description=f"Start, included. {MOMENT} Default: `to` − 30 days."),
        OpenApiParameter("to", OpenApiTypes.STR, description=f"End, excluded. {MOMENT} Default: the end of today."),
    ]


def period_refused():
    """The 400 answer of a period that cannot be read."""
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiResponse

    return OpenApiResponse(
        response=OpenApiTypes.OBJECT, description="A date that cannot be read, `from` ≥ `to`, or a period over 5 years."
    )
