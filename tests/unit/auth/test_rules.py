import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_backoff_is_free_then_doubles_up_to_its_cap() -> None:
    backoff = rules.Backoff(free=5, base_seconds=1.0, max_seconds=900.0)
    assert [backoff.delay(n) for n in range(9)] == [0, 0, 0, 0, 0, 1, 2, 4, 8]
    assert backoff.delay(15) == 900 and backoff.delay(10**9) == 900


THROTTLE = rules.LoginThrottle(
    pair=rules.Backoff(5, 1.0, 900.0),
    client=rules.Backoff(30, 1.0, 900.0),
    account=rules.Backoff(50, 1.0, 60.0),
)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def wait(
    pair: rules.Failures = rules.Failures(),
    client: rules.Failures = rules.Failures(),
    account: rules.Failures = rules.Failures(),
) -> float:
    return rules.login_wait(THROTTLE, pair=pair, client=client, account=account, now=NOW)


def test_a_clean_client_never_waits() -> None:
    assert wait() == 0
    # Even with the account under a large distributed attack.
    assert wait(account=rules.Failures(10_000, ago(0))) == 0


def test_the_wait_runs_from_the_clients_own_last_failure() -> None:
    assert wait(pair=rules.Failures(5, ago(0.25))) == 0.75
    assert wait(pair=rules.Failures(7, ago(1))) == 3
    assert wait(pair=rules.Failures(7, ago(10))) == 0
    assert wait(client=rules.Failures(32, ago(1))) == 3


def test_account_pressure_slows_failing_clients_by_at_most_its_cap() -> None:
    mine = rules.Failures(1, ago(10))
    assert wait(pair=mine, account=rules.Failures(49, ago(0))) == 0
    assert wait(pair=mine, account=rules.Failures(54, ago(0))) == 6  # 16 s since my failure
    assert wait(pair=mine, account=rules.Failures(10_000, ago(0))) == 50  # capped at 60 s


@given(
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 100_000),
    st.floats(0, 2_000),
)
def test_nobody_waits_longer_than_the_caps(
    pair: int, client: int, account: int, elapsed: float
) -> None:
    failures = (rules.Failures(pair, ago(elapsed)), rules.Failures(client, ago(elapsed)))
    seconds = wait(*failures, rules.Failures(account, ago(0)))
    assert 0 <= seconds <= 900
    if pair < 5 and client < 30:
        assert seconds <= 60  # others' failures cost at most the account cap


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
        ("x" * 100, "x" * 64),
    ],
)
def test_client_keys(host: str, key: str) -> None:
    assert rules.client_key(host) == key


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
