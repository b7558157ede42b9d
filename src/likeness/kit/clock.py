"""Time, always timezone-aware UTC, truncated to microseconds so it survives every database."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_iso(text: str) -> datetime:
    """An ISO 8601 date-time as written, ``Z`` (or ``z``) meaning UTC; naive when it names
    no zone, for the caller to refuse. :class:`ValueError` when it is not one."""
    return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
