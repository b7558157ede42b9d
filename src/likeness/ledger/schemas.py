"""Pydantic in/out models of the ledger: postings, balances, adjustments, the check."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from likeness.models.ledger import AccountKind, TransactionKind


class PostingReport(BaseModel):
    """What one run of the poster did."""

    posted: int = Field(description="ledger transactions written (one per source event)")
    from_seq: int | None = Field(description="first audit event posted, if any")
    to_seq: int | None = Field(description="last audit event posted, if any")
    cursor: int = Field(description="the poster's position in the audit chain now")
    pending: bool = Field(description="source events are left for another run (limit reached)")
    gross_by_currency: dict[str, int] = Field(
        default_factory=dict, description="gross posted, per ISO 4217 currency, minor units"
    )


class BalanceRead(BaseModel):
    """One account: ``balance`` is the sum of its entries (debits positive); ``amount``
    is the same seen from the party: what a brand owes, what a talent or agency is owed."""

    party_kind: str
    party_id: str
    account: AccountKind
    currency: str
    balance: int
    amount: int
    next_due_on: date | None = Field(
        default=None, description="earliest due date of the fee lines on this account"
    )


class AdjustIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="why (kept with the entry)")


class TransactionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: TransactionKind
    source_key: str
    source_seq: int | None
    occurred_on: date
    currency: str
    license_id: str | None
    talent_id: str | None
    brand_id: str | None
    agency_id: str | None
    asset_id: str | None
    channel: str | None
    gross: int
    commission: int
    platform_fee: int
    net: int
    commission_bps: int
    platform_fee_bps: int
    due_on: date | None
    reverses_id: str | None
    reason: str | None
    created_at: datetime


class CheckReport(BaseModel):
    """``likeness ledger check``: ok, or every problem found, each named."""

    ok: bool
    transactions: int
    entries: int
    accounts: int
    source_events: int
    cursor: int
    problems: list[str] = Field(default_factory=list)
