"""In/out models of payees, payouts, collections, dues and payout exports.

Amounts come in as decimal text (``"123.45"``, converted exactly to minor units, never
through a float) and go out as integer minor units with the decimal form beside them.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from likeness.models.ledger import PayeeKind

#: An amount typed as a decimal in the currency's unit; never a JSON number (no floats).
AmountText = Field(min_length=1, max_length=24, examples=["123.45"])


class PayeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder_name: str = Field(min_length=1, max_length=140)
    iban: str = Field(min_length=5, max_length=50, examples=["DE89 3704 0044 0532 0130 00"])
    bic: str | None = Field(default=None, max_length=20, examples=["COBADEFFXXX"])


class PayeeRead(BaseModel):
    party_kind: PayeeKind
    party_id: str
    holder_name: str
    #: the full IBAN for its owner and the operator
    iban: str
    iban_masked: str
    bic: str | None
    updated_at: datetime


class PayoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party_kind: PayeeKind
    party_id: str = Field(min_length=1, max_length=32)
    amount: str = AmountText
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])
    #: the bank's reference of the transfer: recording it twice is harmless
    reference: str = Field(min_length=1, max_length=35)
    #: the day the bank paid (default today)
    on: date | None = None


class CollectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brand_id: str = Field(min_length=1, max_length=32)
    amount: str = AmountText
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])
    reference: str = Field(min_length=1, max_length=35)
    on: date | None = None


class MovementRead(BaseModel):
    """A recorded payout or collection."""

    id: str
    kind: str
    party_kind: str
    party_id: str
    #: minor units
    amount: int
    amount_decimal: str
    currency: str
    reference: str
    occurred_on: date
    source_key: str
    #: True when this reference was already recorded with this amount (nothing new written)
    replayed: bool


class DueRead(BaseModel):
    """What one party owes or is owed in one currency for one due date."""

    party_kind: str
    party_id: str
    currency: str
    due_on: date
    #: minor units that fell due that day, covered by payments, still open
    amount: int
    covered: int
    outstanding: int
    outstanding_decimal: str
    overdue: bool
    days_late: int


class PayoutProblem(BaseModel):
    party_kind: str
    party_id: str
    currency: str
    amount: int
    amount_decimal: str
    problem: str


class PayoutDueRead(BaseModel):
    """One transfer an export would contain."""

    party_kind: str
    party_id: str
    holder_name: str
    iban: str
    bic: str | None
    currency: str
    amount: int
    amount_decimal: str
    due_on: date
    execution_on: date
    reference: str


class PayoutsDueRead(BaseModel):
    as_of: date
    due_by: date
    items: list[PayoutDueRead]
    #: payees with money due but no usable bank details: not in the file, not forgotten
    problems: list[PayoutProblem]
