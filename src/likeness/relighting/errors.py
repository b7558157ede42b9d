"""Errors of the relighting prior feature."""

from __future__ import annotations

from likeness.errors import Conflict, InvalidInput, NotFound


class PriorNotFound(NotFound):
    pass


class NoTrainingData(Conflict):
    """Nothing may be trained from: no twin whose talent's creation consent in force
    names ``train``, no synthetic person and no licensed basis was given."""


class InvalidTrainingSource(InvalidInput):
    """A licensed basis the operator named is unreadable or malformed."""


class PriorUnreadable(Conflict):
    """A prior's sealed file is gone (shredded) or does not match its recorded hash."""


class TrainingSourceWithdrawn(Conflict):
    """A twin's consent to train was withdrawn while the prior trained: it is not
    registered (the revocation queued its own retrain, which learns without that twin)."""
