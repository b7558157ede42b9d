"""Login back-off and token lifecycle against a real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import factories
from likeness.auth import service
from likeness.auth.errors import InvalidCredentials, LoginRateLimited
from likeness.errors import InvalidInput, NotFound, Unauthorized
from likeness.kit.clock import utcnow
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

    settings = settings.model_copy(update={"login_backoff_base_seconds": 600.0})

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


class Clock:
    """The service's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(service, "utcnow", fake)
    return fake


def _attempt(db: Database, settings: Settings, email: str, password: str, client: str) -> str:
    """'ok', 'wrong', or the Retry-After seconds of a refusal."""
    try:
        with db.unit_of_work() as session:
            service.login(session, settings, email, password, client)
    except InvalidCredentials:
        return "wrong"
    except LoginRateLimited as limited:
        return limited.headers["Retry-After"]
    return "ok"


def test_back_off_doubles_and_a_success_resets_it(
    db: Database, settings: Settings, clock: Clock
) -> None:
    with db.unit_of_work() as session:
        factories.create_user(session, Role.talent, email="dee@example.com")
    wrong = "wrong-password!"
    seen = [_attempt(db, settings, "dee@example.com", wrong, "c") for _ in range(5)]
    assert seen == ["wrong"] * 5
    waits = []
    for _ in range(4):
        waits.append(_attempt(db, settings, "dee@example.com", wrong, "c"))
        clock.advance(int(waits[-1]) - 0.5)
        assert _attempt(db, settings, "dee@example.com", wrong, "c") == "1"  # not yet
        clock.advance(0.5)
        assert _attempt(db, settings, "dee@example.com", wrong, "c") == "wrong"
    assert waits == ["1", "2", "4", "8"]
    # Refused attempts are not counted and never reach the password check.
    assert _attempt(db, settings, "dee@example.com", factories.PASSWORD, "c") == "16"
    clock.advance(16)
    assert _attempt(db, settings, "dee@example.com", factories.PASSWORD, "c") == "ok"
    assert _attempt(db, settings, "dee@example.com", wrong, "c") == "wrong"  # a fresh start


def test_a_patient_guesser_keeps_doubling_up_to_the_cap(
    db: Database, settings: Settings, clock: Clock
) -> None:
    """Waiting out every Retry-After never earns a fresh start: the failures are remembered
    far longer than the longest wait."""
    one = settings.model_copy(update={"login_max_failures": 1})
    assert _attempt(db, one, "pat@example.com", "guess-guess!", "c") == "wrong"
    waits = []
    for _ in range(12):
        waits.append(int(_attempt(db, one, "pat@example.com", "guess-guess!", "c")))
        clock.advance(waits[-1])
        assert _attempt(db, one, "pat@example.com", "guess-guess!", "c") == "wrong"
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(
    db: Database, settings: Settings, clock: Clock
) -> None:
    with db.unit_of_work() as session:
        factories.create_user(session, Role.talent, email="eve-target@example.com")
    for _ in range(settings.login_max_failures):
        _attempt(db, settings, "eve-target@example.com", "guess-guess!", "203.0.113.66")
    assert _attempt(db, settings, "eve-target@example.com", "guess-guess!", "203.0.113.66") == "1"
    # The owner, from their own address, right away: their password is checked.
    owner = "198.51.100.7"
    assert _attempt(db, settings, "eve-target@example.com", "typo-typo-typo", owner) == "wrong"
    assert _attempt(db, settings, "eve-target@example.com", factories.PASSWORD, owner) == "ok"
    # Logging in forgets only the owner's own failures: the attacker still waits.
    assert _attempt(db, settings, "eve-target@example.com", "guess-guess!", "203.0.113.66") == "1"


def test_a_distributed_guess_slows_failing_clients_but_not_the_owner(
    db: Database, settings: Settings, clock: Clock
) -> None:
    tight = settings.model_copy(update={"login_max_failures_per_account": 4})
    with db.unit_of_work() as session:
        factories.create_user(session, Role.talent, email="many@example.com")
    for n in range(12):  # one guess from each of 12 addresses
        client = f"192.0.2.{n}"
        assert _attempt(db, tight, "many@example.com", "guess-guess!", client) == "wrong"
    # A client that already failed waits on the account-wide back-off (capped) ...
    assert _attempt(db, tight, "many@example.com", "guess-guess!", "192.0.2.0") == "60"
    # ... the owner from a clean address does not; after a typo they wait the cap at most.
    owner = "198.51.100.7"
    assert _attempt(db, tight, "many@example.com", "typo-typo-typo", owner) == "wrong"
    assert _attempt(db, tight, "many@example.com", factories.PASSWORD, owner) == "60"
    clock.advance(30)
    for n in range(12, 16):  # the attack goes on: the owner's wait does not grow
        _attempt(db, tight, "many@example.com", "guess-guess!", f"192.0.2.{n}")
    assert _attempt(db, tight, "many@example.com", factories.PASSWORD, owner) == "30"
    clock.advance(30)
    assert _attempt(db, tight, "many@example.com", factories.PASSWORD, owner) == "ok"


def test_an_ipv6_client_is_throttled_by_its_64(db: Database, settings: Settings) -> None:
    tight = settings.model_copy(update={"login_max_failures_per_client": 3})
    for n in range(3):
        client = f"2001:db8:5:6::{n + 1:x}"
        assert _attempt(db, tight, f"v6-{n}@example.com", "wrong-password!", client) == "wrong"
    assert _attempt(db, tight, "v6-x@example.com", "wrong-password!", "2001:db8:5:6::ff") == "1"
    assert _attempt(db, tight, "v6-x@example.com", "wrong-password!", "2001:db8:5:7::1") == "wrong"


def test_one_query_counts_the_failures_of_every_scope(db: Database) -> None:
    from sqlalchemy import event

    from likeness.auth import repository
    from likeness.models.auth import LoginFailure

    now = utcnow().replace(microsecond=0)
    rows = [
        ("eve@example.com", "c1", now - timedelta(minutes=3)),
        ("eve@example.com", "c1", now - timedelta(minutes=2)),
        ("eve@example.com", "c2", now - timedelta(minutes=1)),  # the account, elsewhere
        ("ivy@example.com", "c1", now),  # the client, on another account
        ("eve@example.com", "c1", now - timedelta(days=2)),  # outside the window
        ("zed@example.com", "c9", now),  # neither
    ]
    with db.unit_of_work() as session:
        session.add_all(LoginFailure(email=e, client=c, at=at) for e, c, at in rows)
        session.flush()
        statements: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
            statements.append(statement)

        bind = session.connection()
        event.listen(bind, "before_cursor_execute", count)
        try:
            pair, client, account = repository.failures(
                session, now - timedelta(hours=1), email="eve@example.com", client="c1"
            )
        finally:
            event.remove(bind, "before_cursor_execute", count)
        nobody = repository.failures(session, now, email="new@example.com", client="c0")
    assert all((f.count, f.last) == (0, None) for f in nobody)
    assert len(statements) == 1
    assert (pair.count, pair.last) == (2, now - timedelta(minutes=2))
    assert (client.count, client.last) == (3, now)
    assert (account.count, account.last) == (3, now - timedelta(minutes=1))
    assert pair.last is not None and pair.last.tzinfo is not None
