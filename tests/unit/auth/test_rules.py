import time

import pytest

from likeness.auth import cookies, rules
from likeness.errors import InvalidInput
from likeness.identity.passwords import hash_password, verify_password


def test_new_tokens_are_unique_and_only_their_hash_is_kept() -> None:
    a, b = rules.new_token(), rules.new_token()
    assert a.plaintext != b.plaintext
    assert a.token_hash == rules.hash_token(a.plaintext) != a.plaintext
    assert rules.looks_like_token(a.plaintext)
    assert a.plaintext.startswith(a.prefix)


@pytest.mark.parametrize("value", ["", "lk_short", "Bearer lk_x", "x" * 50])
def test_malformed_tokens_are_recognised(value: str) -> None:
    assert not rules.looks_like_token(value)


def test_login_allowed_until_the_limit() -> None:
    assert rules.login_allowed(4, 5)
    assert not rules.login_allowed(5, 5)


def test_password_hash_round_trip() -> None:
    digest = hash_password("a-long-enough-password")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "a-long-enough-password")
    assert not verify_password(digest, "wrong-password-here")
    assert not verify_password(None, "anything-at-all")
    assert not verify_password("not-a-hash", "anything-at-all")


def test_short_passwords_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 10"):
        hash_password("short")


def test_session_cookie_round_trip_and_tampering() -> None:
    cookie = cookies.issue("s" * 40, cookies.SessionClaims("user1", 3))
    assert cookies.read("s" * 40, cookie, 60) == cookies.SessionClaims("user1", 3)
    assert cookies.read("t" * 40, cookie, 60) is None
    assert cookies.read("s" * 40, cookie[:-2] + "xx", 60) is None
    assert cookies.read("s" * 40, "garbage", 60) is None


def test_session_cookie_expires() -> None:
    cookie = cookies.issue("s" * 40, cookies.SessionClaims("user1", 0))
    time.sleep(1.1)
    assert cookies.read("s" * 40, cookie, 0) is None
