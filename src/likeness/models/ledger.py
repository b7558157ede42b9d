"""Money: a double-entry ledger in integer minor units (issue 19, decision 0022).

Every movement of money is one :class:`LedgerTransaction` with two or more
:class:`LedgerEntry` rows whose amounts sum to zero (debits positive, credits negative).
An entry moves one :class:`LedgerAccount`: a party's account of one kind in one currency
(ISO 4217), whose ``balance`` is kept equal to the sum of its entries in the same
transaction (``likeness ledger check`` proves it).

Rows are append-only: a correction is a new transaction that reverses an earlier one
(``reverses_id``) with a reason. ``source_key`` makes posting idempotent: the audit event
a fee comes from (``audit:<seq>``), or a payout's external reference, can be posted once.

The transaction row carries the facts a statement line shows (date, license, asset,
channel, gross, commission, platform fee, net, due date), so statements read one table.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, CreatedAtMixin, IdMixin, UTCDateTime, str_enum

#: ``party_id`` of the accounts that belong to no party: the platform's revenue and cash.
PLATFORM = "platform"


class AccountKind(enum.StrEnum):
    #: what a brand owes (debit balance)
    brand_receivable = "brand_receivable"
    #: what is owed to a talent (credit balance)
    talent_payable = "talent_payable"
    #: what is owed to an agency: its commission (credit balance)
    agency_payable = "agency_payable"
    #: the platform's own fee (credit balance)
    platform_revenue = "platform_revenue"
    #: the platform's bank account: collections in, payouts out (debit balance)
    cash = "cash"


class TransactionKind(enum.StrEnum):
    #: a license became active: its creation fee
    creation_fee = "creation_fee"
    #: an output was released: the per-output fee
    output_fee = "output_fee"
    #: a release was published on a channel: that channel's per-use fee
    use_fee = "use_fee"
    #: a documented correction: reverses an earlier transaction, with a reason
    adjustment = "adjustment"
    #: money paid out to a talent or an agency (full or partial), with a bank reference
    payout = "payout"
    #: money collected from a brand, with a bank reference
    collection = "collection"


#: The kinds posted from audit events (the outbox; decision 0022).
FEE_KINDS = frozenset(
    {TransactionKind.creation_fee, TransactionKind.output_fee, TransactionKind.use_fee}
)


class LedgerAccount(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("kind", "party_id", "currency", name="uq_ledger_accounts_key"),
    )

    kind: Mapped[AccountKind] = mapped_column(
        str_enum(AccountKind, "ledger_account_kind"), nullable=False
    )
    #: talent, agency or brand id; :data:`PLATFORM` for platform revenue and cash
    party_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    #: the sum of this account's entries (debits positive), kept in the same transaction
    balance: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class LedgerTransaction(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        # The split is exact: the talent's net, the commission and the platform fee make
        # the gross, to the minor unit (rules.split). Reversals carry negated amounts.
        CheckConstraint("net + commission + platform_fee = gross", name="split_exact"),
        # NY Fashion Workers Act: commission at most 20 % (2000 basis points).
        CheckConstraint("commission_bps >= 0 AND commission_bps <= 2000", name="commission_cap"),
        CheckConstraint("platform_fee_bps >= 0 AND platform_fee_bps <= 10000", name="fee_bps"),
        Index("ix_ledger_transactions_talent_on", "talent_id", "occurred_on"),
        Index("ix_ledger_transactions_agency_on", "agency_id", "occurred_on"),
        Index("ix_ledger_transactions_brand_on", "brand_id", "occurred_on"),
    )

    kind: Mapped[TransactionKind] = mapped_column(
        str_enum(TransactionKind, "ledger_transaction_kind"), nullable=False, index=True
    )
    #: What was posted, once: ``audit:<seq>`` for a fee, ``payout:<party>:<ref>`` …
    source_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    #: The audit event a fee posting comes from (None for payouts, collections, adjustments).
    source_seq: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    #: The day of the use (activation, release, publication) or of the payment.
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    license_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    talent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    brand_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The agency that represented the talent on ``occurred_on`` (gets the commission).
    agency_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    asset_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    gross: Mapped[int] = mapped_column(BigInteger, nullable=False)
    commission: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    platform_fee: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    net: Mapped[int] = mapped_column(BigInteger, nullable=False)
    commission_bps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    platform_fee_bps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: When the talent's and the agency's shares must be paid (and the brand's collected).
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: An adjustment names the transaction it reverses.
    reverses_id: Mapped[str | None] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    #: The bank's reference of a payout or collection.
    external_ref: Mapped[str | None] = mapped_column(String(140), nullable=True)
    posted_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class LedgerEntry(IdMixin, Base):
    __tablename__ = "ledger_entries"

    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    #: debit positive, credit negative; a transaction's entries sum to zero per currency
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)


class LedgerCursor(Base):
    """One row: the last audit event the poster has read (the outbox's position)."""

    __tablename__ = "ledger_cursor"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PayeeKind(enum.StrEnum):
    talent = "talent"
    agency = "agency"


class Payee(IdMixin, CreatedAtMixin, Base):
    """Where a talent's or an agency's money goes: the bank account a payout file names."""

    __tablename__ = "ledger_payees"
    __table_args__ = (UniqueConstraint("party_kind", "party_id", name="uq_ledger_payees_party"),)

    party_kind: Mapped[PayeeKind] = mapped_column(
        str_enum(PayeeKind, "ledger_payee_kind"), nullable=False
    )
    party_id: Mapped[str] = mapped_column(String(32), nullable=False)
    holder_name: Mapped[str] = mapped_column(String(140), nullable=False)
    iban: Mapped[str] = mapped_column(String(34), nullable=False)
    bic: Mapped[str | None] = mapped_column(String(11), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
