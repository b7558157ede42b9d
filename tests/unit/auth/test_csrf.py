"""The CSRF decision as a pure function, and the session-bound token."""

from __future__ import annotations

import pytest

from likeness.auth.csrf import CsrfFacts, refusal, token_for_cookie
from likeness.settings import normalise_origin

OWN = "https://api.example"
ALLOWED = frozenset({"https://portal.example"})


def facts(**changes: object) -> CsrfFacts:
    values: dict[str, object] = {"method": "POST", "own_origin": OWN, "has_session": True}
    values.update(changes)
    return CsrfFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE", "get"])
def test_safe_methods_are_never_refused(method: str) -> None:
    assert refusal(facts(method=method, origin="https://evil.example"), ALLOWED) is None


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "PROPFIND"])
def test_every_other_method_needs_proof(method: str) -> None:
    assert refusal(facts(method=method), ALLOWED) is not None


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        "https://api.example.evil.example",
        "http://api.example",  # the same host over plain HTTP is another origin
        "https://api.example:8443",
        "not an origin",
        "",
    ],
)
def test_foreign_origins_are_refused_with_or_without_a_session(origin: str) -> None:
    assert refusal(facts(origin=origin), ALLOWED) is not None
    assert refusal(facts(origin=origin, has_session=False), ALLOWED) is not None
    assert refusal(facts(origin=origin, token_matches=True), ALLOWED) is not None


@pytest.mark.parametrize("origin", [OWN, "https://API.example:443", "https://portal.example"])
def test_own_and_allowed_origins_pass(origin: str) -> None:
    assert refusal(facts(origin=origin), ALLOWED) is None


@pytest.mark.parametrize("site", ["cross-site", "same-site", "weird"])
def test_foreign_fetch_sites_are_refused(site: str) -> None:
    assert refusal(facts(fetch_site=site), ALLOWED) is not None


@pytest.mark.parametrize("site", ["same-origin", "none", "Same-Origin"])
def test_same_origin_fetch_sites_pass(site: str) -> None:
    assert refusal(facts(fetch_site=site), ALLOWED) is None


def test_without_origin_a_session_needs_its_token() -> None:
    assert "missing CSRF token" in (refusal(facts(), ALLOWED) or "")
    assert refusal(facts(token_matches=True), ALLOWED) is None
    assert "does not match" in (refusal(facts(token_matches=False), ALLOWED) or "")
    # A wrong token is refused even when the headers look fine.
    assert refusal(facts(origin=OWN, token_matches=False), ALLOWED) is not None


def test_bearer_and_anonymous_requests_need_no_token() -> None:
    assert refusal(facts(has_authorization=True, origin="https://evil.example"), ALLOWED) is None
    assert refusal(facts(has_session=False), ALLOWED) is None
    assert refusal(facts(token_exempt=True), ALLOWED) is None  # login: no session to forge


def test_the_token_is_bound_to_the_session_and_the_secret() -> None:
    secret = "s" * 40
    token = token_for_cookie(secret, "cookie-a")
    assert token == token_for_cookie(secret, "cookie-a")
    assert token != token_for_cookie(secret, "cookie-b")
    assert token != token_for_cookie("t" * 40, "cookie-a")
    assert len(token) == 43 and token.isascii()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Portal.Example:443", "https://portal.example"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://portal.example/path", None),
        ("https://user@portal.example", None),
        ("ftp://portal.example", None),
        ("https://portal.example:99999", None),
        ("null", None),
    ],
)
def test_origins_are_normalised(value: str, expected: str | None) -> None:
    assert normalise_origin(value) == expected
