"""What one audit event is worth, as pure functions (decision 0022).

The poster (:func:`likeness.ledger.service.post_pending`) reads audit events after its
cursor, loads the licenses and representation agreements they name, and asks
:func:`plan` what to post for each: the kind of fee, the day of the use, the gross from
the license's fee schedule, the split (:func:`likeness.ledger.rules.split`), the agency
in force that day (:func:`agency_on`), the due date and the legs. No database here.

Source events:

* ``license.approved`` moving a license to ``active`` (the talent signed the use consent):
  the license's creation fee, used on the activation day;
* ``asset.registered`` with ``kind = release``: the per-output fee, on the release day;
* ``asset.publication_reported``: the channel's per-use fee, on ``published_on``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from likeness.ledger.rules import MAX_PAYMENT_DAYS, Split, due_on, split
from likeness.models.ledger import AccountKind, TransactionKind

#: The audit actions the poster reads (a ``license.approved`` counts only when it made the
#: license active; an ``asset.registered`` only for a release).
SOURCE_ACTIONS = ("license.approved", "asset.registered", "asset.publication_reported")


@dataclass(frozen=True, slots=True)
class SourceEvent:
    seq: int
    action: str
    at: datetime
    object_id: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LicenseFees:
    """What the poster needs to know about one license: who, and its signed fee schedule."""

    license_id: str
    talent_id: str
    brand_id: str
    currency: str
    creation_fee: int
    per_output_fee: int
    per_use_fees: Mapping[str, int]
    commission_bps: int
    payment_days: int = MAX_PAYMENT_DAYS


@dataclass(frozen=True, slots=True)
class Agreement:
    """One representation agreement: in force from ``starts_on`` until the day before
    ``ends_on``, and, once terminated, until the day before ``terminated_on``."""

    agency_id: str
    starts_on: date
    ends_on: date
    terminated: bool = False
    terminated_on: date | None = None

    def in_force(self, day: date) -> bool:
        if not self.starts_on <= day < self.ends_on:
            return False
        if not self.terminated:
            return True
        # Terminated: the days before the termination still count. A termination with no
        # recorded moment cannot be placed in time, so no day counts (no commission).
        return self.terminated_on is not None and day < self.terminated_on


@dataclass(frozen=True, slots=True)
class Posting:
    """One ledger transaction to write for one source event."""

    seq: int
    kind: TransactionKind
    occurred_on: date
    license: LicenseFees
    agency_id: str | None
    commission_bps: int
    platform_fee_bps: int
    split: Split
    due_on: date
    asset_id: str | None = None
    channel: str | None = None

    @property
    def source_key(self) -> str:
        return source_key(self.seq)

    def legs(self) -> list[tuple[AccountKind, str, int]]:
        """(account kind, party, amount) per non-zero entry: Dr brand receivable gross,
        Cr talent payable net, Cr agency payable commission, Cr platform revenue fee."""
        from likeness.models.ledger import PLATFORM

        s = self.split
        lic = self.license
        legs = [
            (AccountKind.brand_receivable, lic.brand_id, s.gross),
            (AccountKind.talent_payable, lic.talent_id, -s.net),
            (AccountKind.agency_payable, self.agency_id or "", -s.commission),
            (AccountKind.platform_revenue, PLATFORM, -s.platform_fee),
        ]
        return [leg for leg in legs if leg[2] != 0]


def source_key(seq: int) -> str:
    """The idempotency key of the fee posted for audit event ``seq``."""
    return f"audit:{seq}"


def is_source(action: str, payload: Mapping[str, Any]) -> bool:
    """Whether an audit event is one the ledger posts (exactly one transaction each)."""
    if action == "license.approved":
        return payload.get("to") == "active"
    if action == "asset.registered":
        return payload.get("kind") == "release"
    return action == "asset.publication_reported"


def license_of(event: SourceEvent) -> str:
    """The license an event's fee comes from."""
    if event.action == "license.approved":
        return event.object_id
    return str(event.payload["license_id"])


def agency_on(agreements: Iterable[Agreement], day: date) -> str | None:
    """The agency whose agreement was in force on ``day``; the latest-starting one if
    (against the rules) two were; None if none was (no commission)."""
    in_force = [a for a in agreements if a.in_force(day)]
    if not in_force:
        return None
    return max(in_force, key=lambda a: (a.starts_on, a.agency_id)).agency_id


def plan(
    event: SourceEvent,
    lic: LicenseFees,
    agreements: Iterable[Agreement],
    platform_fee_bps: int = 0,
) -> Posting:
    """The transaction for one source event under its license (see the module docstring)."""
    asset_id: str | None = None
    channel: str | None = None
    if event.action == "license.approved":
        kind, gross, day = TransactionKind.creation_fee, lic.creation_fee, event.at.date()
    elif event.action == "asset.registered":
        kind, gross, day = TransactionKind.output_fee, lic.per_output_fee, event.at.date()
        asset_id, channel = event.object_id, _text(event.payload.get("channel"))
    else:
        channel = _text(event.payload.get("channel"))
        kind, gross = TransactionKind.use_fee, lic.per_use_fees.get(channel or "", 0)
        day = date.fromisoformat(str(event.payload["published_on"]))
        asset_id = event.object_id
    agency = agency_on(agreements, day)
    bps = lic.commission_bps if agency is not None else 0
    return Posting(
        seq=event.seq,
        kind=kind,
        occurred_on=day,
        license=lic,
        agency_id=agency,
        commission_bps=bps,
        platform_fee_bps=platform_fee_bps,
        split=split(gross, bps, platform_fee_bps),
        due_on=due_on(day, lic.payment_days),
        asset_id=asset_id,
        channel=channel,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
