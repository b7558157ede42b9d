"""Errors of the ledger feature (all :class:`~likeness.errors.LikenessError`).

Each takes its status from its kind::

    LedgerError (400)
    ├── LedgerNotFound (404)        no such transaction or party, or none the caller may see
    ├── LedgerConflict (409)        the books' state does not allow it (paying more than is owed …)
    ├── InvalidLedgerRequest (422)  bad input (amount, currency, period, IBAN …)
    ├── UnbalancedTransaction (500) a transaction's entries do not sum to zero: a bug, never posted
    └── DebtorNotConfigured (500)   no paying bank account is configured for payout files
"""

from __future__ import annotations

from likeness.errors import ConfigurationError, Conflict, InvalidInput, LikenessError, NotFound


class LedgerError(LikenessError):
    """Base of ledger errors."""


class LedgerNotFound(LedgerError, NotFound):
    """No such transaction, account or party, or none the caller may see."""


class LedgerConflict(LedgerError, Conflict):
    """The books' current state does not allow this (overpaying, reversing twice …)."""


class InvalidLedgerRequest(LedgerError, InvalidInput):
    """The request is malformed: amount, currency, period, bank details …"""


class UnbalancedTransaction(LedgerError, status=500):
    """A transaction's entries would not sum to zero per currency; nothing is written."""


class DebtorNotConfigured(LedgerError, ConfigurationError):
    """The platform's paying bank account (``LIKENESS_LEDGER__DEBTOR_*``) is not set."""
