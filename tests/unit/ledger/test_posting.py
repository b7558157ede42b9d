"""What one audit event is worth (ledger.posting): pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.ledger.amounts import format_minor
from likeness.ledger.posting import (
    Agreement,
    LicenseFees,
    SourceEvent,
    agency_on,
    is_source,
    license_of,
    plan,
)
from likeness.ledger.rules import MAX_COMMISSION_BPS
from likeness.models.ledger import PLATFORM, AccountKind, TransactionKind

DAY = date(2026, 11, 20)
AT = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def fees(**changes: object) -> LicenseFees:
    data: dict[str, object] = {
        "license_id": "L",
        "talent_id": "T",
        "brand_id": "B",
        "currency": "EUR",
        "creation_fee": 100_000,
        "per_output_fee": 5_000,
        "per_use_fees": {"instagram": 2_500},
        "commission_bps": 1500,
    }
    data.update(changes)
    return LicenseFees(**data)  # type: ignore[arg-type]


AGENCY = Agreement("A", DAY - timedelta(days=10), DAY + timedelta(days=300))


def test_which_events_are_sources() -> None:
    assert is_source("license.approved", {"to": "active"})
    assert not is_source("license.resumed", {"to": "active"})  # no second creation fee
    assert not is_source("license.approved", {"to": "suspended"})
    assert is_source("asset.registered", {"kind": "release"})
    assert not is_source("asset.registered", {"kind": "preview"})
    assert is_source("asset.publication_reported", {})
    assert not is_source("ledger.posted", {})


def test_each_kind_of_fee_and_its_day() -> None:
    activation = SourceEvent(1, "license.approved", AT, "L", {"to": "active"})
    assert license_of(activation) == "L"
    p = plan(activation, fees(), [AGENCY])
    assert (p.kind, p.occurred_on, p.split.gross) == (TransactionKind.creation_fee, DAY, 100_000)
    assert (p.split.commission, p.split.net, p.agency_id) == (15_000, 85_000, "A")
    assert p.due_on == DAY + timedelta(days=45) and p.source_key == "audit:1"
    release = SourceEvent(2, "asset.registered", AT, "X", {"kind": "release",
                          "license_id": "L", "channel": "web"})  # fmt: skip
    p = plan(release, fees(payment_days=7), [AGENCY])
    assert (p.kind, p.split.gross, p.asset_id, p.channel) == (
        TransactionKind.output_fee,
        5_000,
        "X",
        "web",
    )
    assert p.due_on == DAY + timedelta(days=7)
    published = {"license_id": "L", "channel": "instagram", "published_on": "2026-11-02"}
    use = SourceEvent(3, "asset.publication_reported", AT, "X", published)
    p = plan(use, fees(), [AGENCY])
    assert (p.kind, p.occurred_on, p.split.gross) == (
        TransactionKind.use_fee,
        date(2026, 11, 2),
        2_500,
    )
    other = SourceEvent(
        4, "asset.publication_reported", AT, "X", {**published, "channel": "tiktok"}
    )
    assert plan(other, fees(), [AGENCY]).split.gross == 0  # no fee for that channel
    assert plan(other, fees(), [AGENCY]).legs() == []


def test_legs_balance_and_name_the_right_accounts() -> None:
    activation = SourceEvent(1, "license.approved", AT, "L", {"to": "active"})
    legs = plan(activation, fees(), [AGENCY], platform_fee_bps=100).legs()
    assert legs == [
        (AccountKind.brand_receivable, "B", 100_000),
        (AccountKind.talent_payable, "T", -84_000),
        (AccountKind.agency_payable, "A", -15_000),
        (AccountKind.platform_revenue, PLATFORM, -1_000),
    ]
    assert sum(amount for *_, amount in legs) == 0


def test_the_agreement_in_force_on_the_use_day() -> None:
    ended = Agreement("old", DAY - timedelta(days=100), DAY)  # its last day was yesterday
    later = Agreement("new", DAY + timedelta(days=1), DAY + timedelta(days=90))
    assert agency_on([ended, later], DAY) is None
    assert agency_on([ended, later], DAY - timedelta(days=1)) == "old"
    assert agency_on([ended, later], DAY + timedelta(days=1)) == "new"
    cut = Agreement("cut", DAY - timedelta(days=10), DAY + timedelta(days=90), True, DAY)
    assert agency_on([cut], DAY - timedelta(days=1)) == "cut"  # before its termination
    assert agency_on([cut], DAY) is None
    undated = Agreement("x", DAY - timedelta(days=10), DAY + timedelta(days=90), True, None)
    assert agency_on([undated], DAY) is None


def test_no_agency_no_commission() -> None:
    activation = SourceEvent(1, "license.approved", AT, "L", {"to": "active"})
    p = plan(activation, fees(), [])
    assert (p.agency_id, p.commission_bps, p.split.commission, p.split.net) == (None, 0, 0, 100_000)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(
    gross=st.integers(min_value=0, max_value=10**12),
    bps=st.integers(min_value=0, max_value=MAX_COMMISSION_BPS),
    fee_bps=st.integers(min_value=0, max_value=8000),
    represented=st.booleans(),
)
def test_a_plan_is_exact_and_capped(gross: int, bps: int, fee_bps: int, represented: bool) -> None:
    activation = SourceEvent(1, "license.approved", AT, "L", {"to": "active"})
    p = plan(activation, fees(creation_fee=gross, commission_bps=bps),
             [AGENCY] if represented else [], fee_bps)  # fmt: skip
    s = p.split
    assert s.net + s.commission + s.platform_fee == gross
    assert s.commission * 10_000 <= gross * MAX_COMMISSION_BPS
    assert s.commission * 10_000 <= gross * p.commission_bps
    assert sum(amount for *_, amount in p.legs()) == 0


def test_format_minor() -> None:
    assert format_minor(123_456, "EUR") == "EUR 1,234.56"
    assert format_minor(-5, "EUR") == "EUR -0.05"
    assert format_minor(5_000, "JPY") == "JPY 5,000"
    assert format_minor(1_234, "BHD", code=False) == "1.234"
