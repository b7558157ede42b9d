"""Errors of the ledger feature (all :class:`~likeness.errors.LikenessError`).

Each takes its status from its kind::

    LedgerError (400)
    ├── LedgerForbidden (403)       an operator's task (posting, adjusting) asked by someone else
    ├── LedgerNotFound (404)        no such transaction or party, or none the caller may see
    ├── LedgerConflict (409)        the books' state does not allow it (paying more than is owed …)
    │   └── DebtorNotConfigured     no paying bank account is set for payout files
    ├── InvalidLedgerRequest (422)  bad input (amount, currency, period, IBAN …)
    └── UnbalancedTransaction (500) a transaction's entries do not sum to zero: a bug, never posted
"""

from __future__ import annotations

from likeness.errors import Conflict, Forbidden, InvalidInput, LikenessError, NotFound


class LedgerError(LikenessError):
    """Base of ledger errors."""


class LedgerForbidden(LedgerError, Forbidden):
    """Posting and adjusting the books are an operator's tasks."""


class LedgerNotFound(LedgerError, NotFound):
    """No such transaction, account or party, or none the caller may see."""


class LedgerConflict(LedgerError, Conflict):
    """The books' current state does not allow this (overpaying, reversing twice …)."""


class InvalidLedgerRequest(LedgerError, InvalidInput):
    """The request is malformed: amount, currency, period, bank details …"""


class UnbalancedTransaction(LedgerError, status=500):
    """A transaction's entries would not sum to zero per currency; nothing is written."""


class DebtorNotConfigured(LedgerConflict):
    """The platform's paying bank account (``LIKENESS_LEDGER__DEBTOR_*``) is not set, or is
    not a valid IBAN/BIC: a payout file cannot be written until the operator sets it."""
