"""Pure rules for credentials: token format and the failed-login back-off."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime

TOKEN_PREFIX = "lk_"
TOKEN_BYTES = 32


@dataclass(frozen=True)
class NewToken:
    plaintext: str
    token_hash: str
    prefix: str


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of entropy, so a plain SHA-256 is enough (no slow hash needed).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> NewToken:
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    return NewToken(plaintext=plaintext, token_hash=hash_token(plaintext), prefix=plaintext[:10])


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and 20 <= len(value) <= 100


#: How much of an IPv6 address one subscriber usually holds (RFC 6177): a client that
#: rotates through its own /64 is still one client.
IPV6_CLIENT_PREFIX = 64
MAX_CLIENT_LENGTH = 64


def client_key(host: str) -> str:
    """Who a login attempt comes from, for throttling: an IPv4 address as it is, an IPv6
    address as its /64 network, anything else (a socket path, a test client) verbatim."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:MAX_CLIENT_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


@dataclass(frozen=True, slots=True)
class Failures:
    """Failed logins of one scope (an account, a client, or both) inside the window."""

    count: int = 0
    last: datetime | None = None


@dataclass(frozen=True, slots=True)
class Backoff:
    """``free`` failures cost nothing; then each one doubles the wait, up to a cap."""

    free: int
    base_seconds: float
    max_seconds: float

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        exponent = min(failures - self.free, 64)
        return min(self.max_seconds, self.base_seconds * 2.0**exponent)


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    """Back-off of one account from one client, of one client over every account, and the
    looser one of one account over every client."""

    pair: Backoff
    client: Backoff
    account: Backoff


def login_wait(
    throttle: LoginThrottle, *, pair: Failures, client: Failures, account: Failures, now: datetime
) -> float:
    """Seconds this client must still wait before trying this account; 0.0: go ahead.

    Each wait runs from the client's own last failure, never from someone else's, so an
    attacker elsewhere can neither lock the owner out nor keep extending their wait. The
    account-wide count (a distributed guess) only slows clients that have themselves failed
    on this account, and at most by ``throttle.account.max_seconds``: the owner's first
    attempt from a clean client always gets its password checked.
    """
    waits = [
        _remaining(throttle.pair.delay(pair.count), pair.last, now),
        _remaining(throttle.client.delay(client.count), client.last, now),
    ]
    if pair.count:
        waits.append(_remaining(throttle.account.delay(account.count), pair.last, now))
    return max(waits)


def _remaining(delay: float, since: datetime | None, now: datetime) -> float:
    if delay <= 0 or since is None:
        return 0.0
    return max(0.0, delay - (now - since).total_seconds())
