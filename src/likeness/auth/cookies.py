"""Signed session cookies for the portal (itsdangerous, keyed by the platform secret)."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "likeness.session.v1"


@dataclass(frozen=True)
class SessionClaims:
    user_id: str
    epoch: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def issue(secret: str, claims: SessionClaims) -> str:
    return _serializer(secret).dumps({"uid": claims.user_id, "ep": claims.epoch})


def read(secret: str, cookie: str, max_age_seconds: int) -> SessionClaims | None:
    try:
        data = _serializer(secret).loads(cookie, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    uid, epoch = data.get("uid"), data.get("ep")
    if not isinstance(uid, str) or not isinstance(epoch, int):
        return None
    return SessionClaims(user_id=uid, epoch=epoch)
