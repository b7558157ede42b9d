"""The money rules as pure functions: the split of a fee, due dates.

**Rounding rule** (docs/guide/money.md): the commission and the platform fee are each
``floor(gross × bps / 10 000)`` in minor units, and the talent's net is what is left:
``net = gross − commission − platform_fee``. So net + commission + platform fee equals the
gross exactly, no cent is created or lost, any fraction of a cent goes to the talent, and
the commission never exceeds its rate (never above the 20 % cap). A negative gross (a
reversal) splits as the exact negation of the positive one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from likeness.ledger.errors import InvalidLedgerRequest
from likeness.policy import MAX_COMMISSION_BPS, MAX_PAYMENT_DAYS

# The NY Fashion Workers Act's limits, stated once in the policy core: commission at most
# 20 % (2000 basis points); the model paid within 45 days after the work.
__all__ = ["BPS", "MAX_COMMISSION_BPS", "MAX_PAYMENT_DAYS", "Split", "due_on", "split"]
BPS = 10_000


@dataclass(frozen=True, slots=True)
class Split:
    """One fee, split: ``net + commission + platform_fee == gross`` always."""

    gross: int
    commission: int
    platform_fee: int
    net: int


def split(gross: int, commission_bps: int, platform_fee_bps: int = 0) -> Split:
    """Split ``gross`` (integer minor units) by the rounding rule in the module docstring."""
    if not 0 <= commission_bps <= MAX_COMMISSION_BPS:
        raise InvalidLedgerRequest(
            f"commission must be between 0 and {MAX_COMMISSION_BPS} basis points "
            f"(NY Fashion Workers Act); got {commission_bps}"
        )
    if not 0 <= platform_fee_bps <= BPS - commission_bps:
        raise InvalidLedgerRequest(
            f"platform fee must be between 0 and {BPS - commission_bps} basis points "
            f"with a {commission_bps} bps commission; got {platform_fee_bps}"
        )
    if gross < 0:
        positive = split(-gross, commission_bps, platform_fee_bps)
        return Split(-positive.gross, -positive.commission, -positive.platform_fee, -positive.net)
    commission = gross * commission_bps // BPS
    platform_fee = gross * platform_fee_bps // BPS
    return Split(gross, commission, platform_fee, gross - commission - platform_fee)


def due_on(used_on: date, payment_days: int = MAX_PAYMENT_DAYS) -> date:
    """The day a use's pay is due: ``payment_days`` after it, never more than 45."""
    if not 1 <= payment_days <= MAX_PAYMENT_DAYS:
        raise InvalidLedgerRequest(
            f"payment days must be between 1 and {MAX_PAYMENT_DAYS}; got {payment_days}"
        )
    return used_on + timedelta(days=payment_days)
