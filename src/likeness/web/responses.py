"""The API's error responses, as the OpenAPI description states them.

Every error the API answers has one shape, :class:`ErrorRead`
(``{"error": <name>, "detail": <message or problems>}``, see :mod:`likeness.errors`).
Two halves keep the description true:

* **Per feature**: each router (or route) names the :class:`~likeness.errors.LikenessError`
  subclasses its services raise, with :func:`error_responses`; their statuses and names
  become documented responses::

      router = APIRouter(tags=["licenses"], responses=error_responses(LicenseNotFound, ...))

* **Everywhere**: :func:`document_common_errors` runs once over the finished description
  and adds what follows from how a route is built rather than from its service:

  - ``422`` (``InvalidInput``) on every operation that takes parameters or a body, in
    place of FastAPI's ``HTTPValidationError`` (the handler in :mod:`likeness.api.app`
    answers validation errors in the one error shape);
  - ``413`` (``RequestTooLarge``) on every operation that takes a body, and ``400`` on
    those that take a multipart body (one that cannot be parsed);
  - ``401``, ``403`` and ``429`` on every operation that authenticates its caller, which
    the description shows by its ``security`` requirements (no or bad credentials; the
    wrong role or a cookie-authenticated change without CSRF proof; too many attempts);
  - ``503`` (``AuditUnavailable``) on every operation that authenticates or changes
    something: each may write an audit event, and none is written without the audit key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from likeness.errors import LikenessError

#: Statuses whose name alone says what went wrong when no error class names them.
_COMMON = {
    400: "HTTPError: the multipart body cannot be parsed",
    401: "Unauthorized: no credentials, or a bad or expired token or session",
    403: "Forbidden: the wrong role, not your object, or a cookie-authenticated change "
    "without CSRF proof",
    413: "RequestTooLarge: the body is over the route's size limit",
    422: "InvalidInput: a parameter or the body is malformed or breaks a rule",
    429: "TooManyRequests: too many attempts; wait and try again",
    503: "AuditUnavailable: the audit key is missing or does not seal this chain, so no "
    "change (and no audited look) can be recorded",
}
_BODY_METHODS = frozenset({"post", "put", "patch", "delete"})
_METHODS = _BODY_METHODS | {"get", "head", "options", "trace"}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


class ProblemRead(BaseModel):
    """One thing wrong with the request: where (``loc``) and what (``msg``)."""

    loc: list[str | int]
    msg: str


class ErrorRead(BaseModel):
    """Every error the API answers."""

    error: str = Field(description="the error's name", examples=["ConsentNotFound"])
    detail: str | list[ProblemRead] = Field(
        description="what went wrong; a list of problems for a malformed request"
    )


def error_response(error: LikenessError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The answer for ``error`` in the one error shape, with the error's own headers
    (``Retry-After``, …) and any the caller adds; for handlers and middleware alike."""
    return JSONResponse(
        status_code=error.status_code,
        content={"error": error.name, "detail": error.message},
        headers={**error.headers, **(headers or {})},
    )


def error_responses(*kinds: type[LikenessError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these errors, one per status, naming every error class."""
    names: dict[int, list[str]] = {}
    for kind in kinds:
        names.setdefault(kind.status_code, []).append(kind.__name__)
    return {
        status: {"model": ErrorRead, "description": ", ".join(sorted(set(found)))}
        for status, found in sorted(names.items())
    }


def document_common_errors(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add the errors every operation of a kind can answer (see the module docstring).

    Works on the description alone: an operation that lists ``security`` requirements
    authenticates its caller.
    """
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    components.update(_schemas())
    for operations in openapi.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if _is_fastapi_422(responses):
                del responses["422"]
            has_body = method in _BODY_METHODS or "requestBody" in operation
            statuses = []
            if has_body or operation.get("parameters"):
                statuses.append(422)
            if has_body:
                statuses.append(413)
            if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
                statuses.append(400)
            if operation.get("security"):
                statuses += [401, 403, 429]
            if operation.get("security") or method in _BODY_METHODS:
                statuses.append(503)
            for status in statuses:
                responses.setdefault(str(status), _response(_COMMON[status]))
            operation["responses"] = dict(sorted(responses.items()))
    for name in _FASTAPI_VALIDATION:
        components.pop(name, None)
    return openapi


def _response(description: str) -> dict[str, Any]:
    schema = {"$ref": _ref("ErrorRead")}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def allowed_methods(openapi: dict[str, Any], path: str) -> str | None:
    """The ``Allow`` header for ``path``: every method the description lists for the paths
    it matches, or None when it matches none. (FastAPI routes answer no HEAD.)"""
    methods: set[str] = set()
    for template, operations in openapi.get("paths", {}).items():
        if _template_regex(template).fullmatch(path):
            methods |= {m.upper() for m in operations if m in _METHODS}
    return ", ".join(sorted(methods)) or None


@lru_cache(maxsize=512)
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def _is_fastapi_422(responses: dict[str, Any]) -> bool:
    schema = responses.get("422", {}).get("content", {}).get("application/json", {})
    return bool(schema.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"))


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _schemas() -> dict[str, Any]:
    schema = ErrorRead.model_json_schema(ref_template=_ref("{model}"))
    defs = schema.pop("$defs", {})
    return {"ErrorRead": schema, **defs}
