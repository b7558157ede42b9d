"""Pure rules for credentials: token format and the failed-login limit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

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


def login_allowed(recent_failures: int, max_failures: int) -> bool:
    """Refuse further attempts once the window holds `max_failures` failures."""
    return recent_failures < max_failures
