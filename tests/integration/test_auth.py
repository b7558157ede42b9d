"""Login rate limiting and token lifecycle against a real database."""

from __future__ import annotations

import pytest

import factories
from likeness.auth import service
from likeness.auth.errors import InvalidCredentials, LoginRateLimited
from likeness.errors import InvalidInput, NotFound, Unauthorized
from likeness.kit.db import Database
from likeness.models.party import Role
from likeness.settings import Settings


def test_failed_logins_are_rate_limited_even_with_the_right_password(
    db: Database, settings: Settings
) -> None:
    with db.unit_of_work() as session:
        factories.create_user(session, Role.talent, email="ava@example.com")
    for _ in range(settings.login_max_failures):
        with pytest.raises(InvalidCredentials), db.unit_of_work() as session:
            service.login(session, settings, "ava@example.com", "wrong-password!", "127.0.0.1")
    with pytest.raises(LoginRateLimited), db.unit_of_work() as session:
        service.login(session, settings, "ava@example.com", factories.PASSWORD, "127.0.0.1")


def test_successful_login_clears_failures(db: Database, settings: Settings) -> None:
    with db.unit_of_work() as session:
        factories.create_user(session, Role.talent, email="bea@example.com")
    for _ in range(settings.login_max_failures - 1):
        with pytest.raises(InvalidCredentials), db.unit_of_work() as session:
            service.login(session, settings, "bea@example.com", "wrong-password!", "c")
    with db.unit_of_work() as session:
        service.login(session, settings, "bea@example.com", factories.PASSWORD, "c")
    with pytest.raises(InvalidCredentials), db.unit_of_work() as session:
        service.login(session, settings, "bea@example.com", "wrong-password!", "c")


def test_unknown_user_gets_the_same_answer(db: Database, settings: Settings) -> None:
    with pytest.raises(InvalidCredentials, match="wrong email or password"), db.unit_of_work() as s:
        service.login(s, settings, "nobody@example.com", "whatever-password", "c")


def test_revoked_token_stops_working(db: Database) -> None:
    with db.unit_of_work() as session:
        user = factories.create_user(session, Role.brand)
        actor = factories.actor(session, user)
        token, plaintext = service.create_token(session, actor, "ci")
        assert service.authenticate_token(session, plaintext).user_id == user.id
        service.revoke_token(session, actor, token.id)
    with pytest.raises(Unauthorized), db.unit_of_work() as session:
        service.authenticate_token(session, plaintext)


def test_token_names_are_plain_text(db: Database) -> None:
    with db.unit_of_work() as session:
        actor = factories.actor(session, factories.create_user(session, Role.brand))
        for bad in ("", "   ", "x" * 101, "ci\x1b[2J", "a\nb"):
            with pytest.raises(InvalidInput, match="token name"):
                service.create_token(session, actor, bad)
        token, _ = service.create_token(session, actor, "  laptop  ")
        assert token.name == "laptop"


def test_users_cannot_revoke_each_others_tokens(db: Database) -> None:
    with db.unit_of_work() as session:
        a = factories.create_user(session, Role.brand)
        b = factories.create_user(session, Role.brand)
        token, _ = service.create_token(session, factories.actor(session, a), "a")
        with pytest.raises(NotFound):
            service.revoke_token(session, factories.actor(session, b), token.id)


def test_parallel_wrong_passwords_cannot_exceed_the_limit(db: Database, settings: Settings) -> None:
    """Guesses fired at once still get at most `login_max_failures` real checks."""
    import threading

    with db.unit_of_work() as session:
        factories.create_user(session, Role.talent, email="par@example.com")
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess() -> None:
        try:
            with db.unit_of_work() as session:
                service.login(session, settings, "par@example.com", "wrong-password!", "c")
        except LoginRateLimited:
            result = "limited"
        except InvalidCredentials:
            result = "checked"
        else:  # pragma: no cover - would be a bug
            result = "accepted"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("checked") == settings.login_max_failures
    assert outcomes.count("limited") == 12 - settings.login_max_failures


def test_one_client_cannot_spray_many_accounts(db: Database, settings: Settings) -> None:
    tight = settings.model_copy(update={"login_max_failures_per_client": 3})
    for n in range(3):
        with pytest.raises(InvalidCredentials), db.unit_of_work() as session:
            service.login(session, tight, f"user{n}@example.com", "wrong-password!", "1.2.3.4")
    with pytest.raises(LoginRateLimited), db.unit_of_work() as session:
        service.login(session, tight, "fresh@example.com", "wrong-password!", "1.2.3.4")
