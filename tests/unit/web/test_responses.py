"""What the OpenAPI description says about errors (likeness.web.responses)."""

from __future__ import annotations

import re
from typing import Any

from likeness.errors import Conflict, NotFound
from likeness.kit.bounds import email_rule, text_rule
from likeness.web.responses import allowed_methods, document_common_errors, error_responses


class Gone(NotFound):
    status_code = 410


def test_error_responses_group_errors_by_status_and_name_them() -> None:
    responses = error_responses(NotFound, Conflict, Gone, NotFound)
    assert sorted(responses) == [404, 409, 410]
    assert responses[404]["description"] == "NotFound"
    assert responses[410]["description"] == "Gone"


def _operation(**parts: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok"}}, **parts}


def test_common_errors_follow_from_the_shape_of_each_operation() -> None:
    fastapi_422 = {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    }
    spec: dict[str, Any] = {
        "paths": {
            "/open": {"get": _operation()},
            "/things": {
                "get": _operation(security=[{"bearer": []}], parameters=[{"name": "limit"}]),
                "post": _operation(responses={"201": {}, "422": fastapi_422}),
            },
        },
        "components": {"schemas": {"HTTPValidationError": {}, "ValidationError": {}}},
    }
    document_common_errors(spec)
    paths = spec["paths"]
    assert set(paths["/open"]["get"]["responses"]) == {"200"}
    assert set(paths["/things"]["get"]["responses"]) == {"200", "401", "403", "422", "429", "503"}
    posted = paths["/things"]["post"]["responses"]
    assert set(posted) == {"201", "413", "422", "503"}
    assert posted["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorRead")
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ErrorRead" in schemas


def test_allow_names_every_method_of_every_matching_path() -> None:
    spec = {"paths": {"/c/new": {"post": {}}, "/c/{id}": {"get": {}}, "/c": {"get": {}}}}
    assert allowed_methods(spec, "/c/new") == "GET, POST"
    assert allowed_methods(spec, "/c/7") == "GET"
    assert allowed_methods(spec, "/c/7/x") is None


def test_text_rule_patterns_say_what_the_rules_check() -> None:
    name = text_rule()["pattern"]
    assert re.search(name, " Ava ") and not re.search(name, " \t ")
    assert not re.search(name, "Ava\x1b") and not re.search(name, "Ava\x85")
    reason = text_rule(min_chars=10, control=True)["pattern"]
    assert re.search(reason, "  ten chars!  ") and not re.search(reason, "   nine ch   ")
    assert re.search(reason, "line one\nline two")
    email = email_rule()["pattern"]
    assert re.search(email, " Ava@Tour.Example ")
    for bad in ("ava", "a@b", "a b@c.de", "a@@c.de", "a\x00@c.de"):
        assert not re.search(email, bad), bad
