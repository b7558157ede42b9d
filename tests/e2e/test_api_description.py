"""The API description and docs: offline docs pages, one error model, 405 with Allow."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from likeness.web.responses import ErrorRead

_LINKS = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")
_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_every_asset_from_the_app(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    links = [a or b for a, b in _LINKS.findall(html.text)]
    assert any(link.endswith(".js") for link in links), links
    assert "/openapi.json" in links
    assert not re.search(r"https?://|//cdn|fonts\.googleapis", html.text), html.text
    for link in links:
        assert link.startswith("/"), link  # served by the app itself, never a CDN
        asset = client.get(link)
        assert asset.status_code == 200, link
        assert len(asset.content) > 1000, link


def test_swagger_ui_fetches_no_validator_badge(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


#: The only routes that answer without a login: logging in, and the public asset lookup.
PUBLIC_PATHS = frozenset({"/api/v1/auth/login", "/api/v1/verify/{asset_id}"})


def test_every_error_is_described_with_the_one_error_model(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ErrorRead"]["required"]) == {"error", "detail"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            for status, response in responses.items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorRead"}, where
            if operation.get("parameters") or "requestBody" in operation:
                assert "422" in responses, where
            if operation.get("security"):
                assert {"401", "403", "429"} <= set(responses), where
            if path.startswith("/api/v1/") and path not in PUBLIC_PATHS:
                assert operation.get("security"), where


def test_a_validation_error_matches_the_described_model(
    client: TestClient, parties: tuple[object, dict[str, dict[str, str]]]
) -> None:
    _, headers = parties
    answer = client.get("/api/v1/licenses", params={"limit": 0}, headers=headers["brand"])
    assert answer.status_code == 422
    body = ErrorRead.model_validate(answer.json())
    assert body.error == "InvalidInput" and isinstance(body.detail, list)


def test_the_services_errors_are_described(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    sign = spec["paths"]["/api/v1/consents/{consent_id}/sign"]["post"]["responses"]
    assert "ConsentNotFound" in sign["404"]["description"]
    assert "ConsentImmutable" in sign["409"]["description"]
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login)


def test_rules_the_schemas_can_state_are_stated(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    override = schemas["OverrideIn"]["properties"]["reason"]
    assert override["minLength"] == 10 and re.fullmatch(override["pattern"], " " + "x" * 10)
    assert not re.search(override["pattern"], " " * 9 + "x")
    brand = schemas["BrandCreate"]["properties"]["name"]["pattern"]
    assert re.search(brand, "Maison Aurel") and not re.search(brand, "   ")
    assert not re.search(brand, "a\x00b")
    commission = schemas["AgencyCreate"]["properties"]["commission_percent"]
    assert commission["maximum"] == 20 and commission["multipleOf"] == 0.01
    email = schemas["UserCreate"]["properties"]["email"]["pattern"]
    assert re.search(email, "ava@tour.example") and not re.search(email, "ava")
    starts = schemas["TermsIn"]["properties"]["starts_at"]["pattern"]
    assert re.search(starts, "2026-01-01T00:00:00Z") and not re.search(starts, "0593-08-19T06:10Z")


def test_unknown_methods_get_405_naming_the_allowed_ones(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        answer = client.request("TRACE", concrete)
        assert answer.status_code == 405, path
        assert answer.json()["error"] == "HTTPError"
        allowed = {m.strip().lower() for m in answer.headers["allow"].split(",")}
        assert set(operations) & _METHODS <= allowed, path
        for method in allowed - set(operations):  # routed by another path that matches
            assert client.request(method.upper(), concrete).status_code != 405, (method, path)
