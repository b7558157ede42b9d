"""The one rule for when a license's rights end (``licensing.rules.rights_ending``), which
the asset registry and the output workflow both apply. Rows are built in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likeness.licensing.rules import LICENSE_WITHDRAWN, Ending, EndKind, earliest, rights_ending
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.policy import RUNNING, ConsentStatus, LicenseStatus
from likeness.policy import reasons as R  # noqa: N812

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def lic(
    status: LicenseStatus = LicenseStatus.active,
    *,
    ends_in: timedelta = 90 * DAY,
    ended_at: datetime | None = None,
    end_reason: str | None = None,
) -> License:
    return License(
        id="l" * 32, status=status, ends_at=NOW + ends_in, ended_at=ended_at, end_reason=end_reason
    )


def consent(
    *,
    revoked_at: datetime | None = None,
    status: ConsentStatus | None = None,
    valid_in: timedelta = 90 * DAY,
    reason: str | None = None,
) -> Consent:
    return Consent(
        id="c" * 32,
        status=status or (ConsentStatus.revoked if revoked_at else ConsentStatus.signed),
        revoked_at=revoked_at,
        valid_until=NOW + valid_in,
        revocation_reason=reason,
    )


def test_running_rights_inside_their_term_have_not_ended() -> None:
    for status in RUNNING:
        assert rights_ending(lic(status), consent(), NOW) is None
    assert rights_ending(lic(), None, NOW) is None


def test_a_suspension_is_no_end() -> None:
    assert rights_ending(lic(LicenseStatus.suspended), consent(), NOW) is None


@pytest.mark.parametrize(
    ("license_row", "consent_row", "kind", "at", "code", "reason"),
    [
        (
            lic(LicenseStatus.revoked, ended_at=NOW - DAY, end_reason="breach"),
            consent(),
            EndKind.revoked,
            NOW - DAY,
            R.LICENSE_REVOKED,
            "license revoked: breach",
        ),
        (
            lic(LicenseStatus.withdrawn, ended_at=NOW - DAY),
            consent(),
            EndKind.revoked,
            NOW - DAY,
            LICENSE_WITHDRAWN,
            "license withdrawn",
        ),
        (
            lic(LicenseStatus.expired, ends_in=-3 * DAY),
            consent(),
            EndKind.expired,
            NOW - 3 * DAY,
            R.LICENSE_EXPIRED,
            "license expired",
        ),
        (
            lic(LicenseStatus.active, ends_in=-timedelta(hours=2)),
            consent(),
            EndKind.expired,
            NOW - timedelta(hours=2),
            R.LICENSE_EXPIRED,
            "license term ended",
        ),
        (
            lic(LicenseStatus.suspended, ends_in=-timedelta(hours=2)),
            consent(),
            EndKind.expired,
            NOW - timedelta(hours=2),
            R.LICENSE_EXPIRED,
            "license term ended",
        ),
        (
            lic(LicenseStatus.accepted),
            consent(),
            EndKind.revoked,
            NOW,
            R.LICENSE_NOT_ACTIVE,
            "license accepted: it grants nothing",
        ),
        (
            lic(),
            consent(revoked_at=NOW - 5 * DAY, reason="stop"),
            EndKind.revoked,
            NOW - 5 * DAY,
            R.CONSENT_REVOKED,
            "use consent revoked: stop",
        ),
        (
            lic(),
            consent(valid_in=-2 * DAY),
            EndKind.expired,
            NOW - 2 * DAY,
            R.CONSENT_EXPIRED,
            "use consent ran out",
        ),
    ],
    ids=[
        "license-revoked",
        "license-withdrawn",
        "license-expired",
        "license-past-term",
        "suspended-past-term",
        "license-not-active",
        "consent-revoked",
        "consent-expired",
    ],
)
def test_each_cause_of_an_end(
    license_row: License,
    consent_row: Consent,
    kind: EndKind,
    at: datetime,
    code: str,
    reason: str,
) -> None:
    assert rights_ending(license_row, consent_row, NOW) == Ending(kind, at, code, reason)


def test_a_revocation_dated_later_has_not_happened_yet() -> None:
    assert rights_ending(lic(), consent(revoked_at=NOW + DAY), NOW) is None
    # … and a revoked consent with no date is revoked now.
    ending = rights_ending(lic(), consent(status=ConsentStatus.revoked), NOW)
    assert ending is not None and (ending.kind, ending.at) == (EndKind.revoked, NOW)


def test_the_earliest_end_wins_then_revocation_then_the_license() -> None:
    early = Ending(EndKind.expired, NOW - 2 * DAY, R.LICENSE_EXPIRED, "term")
    late = Ending(EndKind.revoked, NOW, R.CONSENT_REVOKED, "consent")
    assert earliest(late, early) is early
    tie = Ending(EndKind.revoked, early.at, R.CONSENT_REVOKED, "consent")
    assert earliest(early, tie) is tie
    same = Ending(EndKind.revoked, early.at, R.LICENSE_REVOKED, "license")
    assert earliest(same, tie) is same
    assert earliest(None, None) is None
    # through the rule: a license revoked when its consent ran out → the revocation
    ending = rights_ending(
        lic(LicenseStatus.revoked, ended_at=NOW - DAY), consent(valid_in=-DAY), NOW
    )
    assert ending is not None and ending.code == R.LICENSE_REVOKED


OFFSETS = st.integers(min_value=-400, max_value=400).map(lambda h: timedelta(hours=h))
PAST = st.one_of(
    st.none(), st.integers(min_value=0, max_value=400).map(lambda h: NOW - timedelta(hours=h))
)


@given(
    status=st.sampled_from(list(LicenseStatus)),
    ends_in=OFFSETS,
    ended_at=PAST,
    revoked_at=st.one_of(st.none(), OFFSETS.map(lambda d: NOW + d)),
    valid_in=OFFSETS,
    later=st.integers(min_value=0, max_value=1000).map(lambda h: timedelta(hours=h)),
)
def test_rights_end_exactly_when_the_license_stops_running_or_the_consent_stops_holding(
    status: LicenseStatus,
    ends_in: timedelta,
    ended_at: datetime | None,
    revoked_at: datetime | None,
    valid_in: timedelta,
    later: timedelta,
) -> None:
    row = lic(status, ends_in=ends_in, ended_at=ended_at)
    use = consent(revoked_at=revoked_at, valid_in=valid_in)
    ending = rights_ending(row, use, NOW)
    runs = status in RUNNING and row.ends_at > NOW
    holds = (revoked_at is None or revoked_at > NOW) and use.valid_until > NOW
    assert (ending is None) == (runs and holds)
    # a suspended license is judged exactly like an active one
    if status in RUNNING:
        other = (
            LicenseStatus.active if status is LicenseStatus.suspended else LicenseStatus.suspended
        )
        assert rights_ending(lic(other, ends_in=ends_in, ended_at=ended_at), use, NOW) == ending
    if ending is None:
        return
    assert ending.at <= NOW  # an end is never dated in the future
    assert (ending.kind is EndKind.expired) == (
        ending.code in {R.LICENSE_EXPIRED, R.CONSENT_EXPIRED}
    )
    # once ended, always ended, and by the same cause when its moment is recorded
    again = rights_ending(row, use, NOW + later)
    assert again is not None
    if ending.at < NOW:
        assert again == ending
