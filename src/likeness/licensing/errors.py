"""Errors of the licensing feature (the pure rules raise :mod:`likeness.policy` errors)."""

from __future__ import annotations

from likeness.errors import Conflict, LikenessError, NotFound


class LicensingError(LikenessError):
    """Base of licensing errors."""


class LicenseNotFound(LicensingError, NotFound):
    """No such license, or not one the caller may see."""


class StaleLicense(LicensingError, Conflict):
    """Someone else changed the license first; reload it and try again."""


class QuotaExhausted(LicensingError, Conflict):
    """Every output the license allows has been released."""


class LicenseNotRunning(LicensingError, Conflict):
    """The license is not active, or the moment is outside its term: nothing may be released."""
