"""The output rules as pure functions: the approval digest, what blocks a release, who
reviews under which terms, who sees the image."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from likeness.kit.canonical import canonical_sha256
from likeness.models.output import OutputStatus, ReviewMode
from likeness.output import rules
from likeness.output.access import may_see_image, review_mode_for
from likeness.output.errors import ReviewNotPermitted
from likeness.policy import ConsentStatus, LicenseStatus, Relation
from likeness.policy import reasons as R  # noqa: N812
from unit.policy.builders import terms

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _record(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "output_id": "o" * 32,
        "image_sha256": "a" * 64,
        "decision_sha256": "d" * 64,
        "reviewer": "u" * 32,
        "review_mode": ReviewMode.talent,
        "approved_at": AT,
    }
    values.update(changes)
    return rules.approval_record(**values)  # type: ignore[arg-type]


def test_the_approval_digest_covers_every_field_of_the_record() -> None:
    record = _record()
    assert record == {
        "output_id": "o" * 32,
        "image_sha256": "a" * 64,
        "decision_sha256": "d" * 64,
        "reviewer": "u" * 32,
        "review_mode": "talent",
        "approved_at": "2026-12-07T08:00:00Z",
    }
    digest = rules.approval_sha256(record)
    assert digest == canonical_sha256(record) and len(digest) == 64
    for change in (
        {"output_id": "p" * 32},
        {"image_sha256": "b" * 64},
        {"decision_sha256": "e" * 64},
        {"reviewer": "v" * 32},
        {"review_mode": ReviewMode.agent},
        {"approved_at": AT + timedelta(seconds=1)},
    ):
        assert rules.approval_sha256(_record(**change)) != digest, change


@pytest.mark.parametrize(
    "code",
    [
        R.LICENSE_REVOKED,
        R.LICENSE_EXPIRED,
        R.LICENSE_NOT_ACTIVE,
        R.CONSENT_REVOKED,
        R.CONSENT_EXPIRED,
        R.CREATION_CONSENT_REVOKED,
        R.CREATION_CONSENT_EXPIRED,
        R.TWIN_DELETED,
        R.CATEGORY_NEVER_ALLOWED,
    ],
)
def test_an_ended_license_or_consent_blocks_the_output(code: str) -> None:
    assert rules.blocks({code}) and rules.blocks({R.QUOTA_EXHAUSTED, code})


@pytest.mark.parametrize(
    "code",
    [R.LICENSE_SUSPENDED, R.CHANNEL_NOT_LICENSED, R.TERRITORY_NOT_LICENSED, R.QUOTA_EXHAUSTED],
)
def test_a_refusal_that_can_pass_does_not_block(code: str) -> None:
    assert not rules.blocks({code})


def test_only_an_approved_output_is_releasable() -> None:
    assert [s for s in OutputStatus if rules.releasable(s)] == [OutputStatus.approved]


def test_the_talent_reviews_an_agent_only_where_the_license_delegates() -> None:
    plain, delegating = terms(), replace(terms(), delegate_review=True)
    assert review_mode_for(frozenset({Relation.talent}), plain) is ReviewMode.talent
    assert review_mode_for(frozenset({Relation.agent}), delegating) is ReviewMode.agent
    with pytest.raises(ReviewNotPermitted, match="does not delegate"):
        review_mode_for(frozenset({Relation.agent}), plain)
    for related in ({Relation.brand}, {Relation.operator}, set()):
        with pytest.raises(ReviewNotPermitted):
            review_mode_for(frozenset(related), delegating)


def test_only_the_reviewing_side_sees_the_image() -> None:
    assert not may_see_image(frozenset({Relation.brand}))
    assert not may_see_image(frozenset())
    for who in (Relation.talent, Relation.agent, Relation.operator):
        assert may_see_image(frozenset({who, Relation.brand}))


@dataclass(frozen=True)
class _License:
    status: LicenseStatus
    ends_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None


@dataclass(frozen=True)
class _Consent:
    status: ConsentStatus
    revoked_at: datetime | None
    valid_until: datetime
    revocation_reason: str | None = None


def _ended(
    license_status: LicenseStatus = LicenseStatus.active,
    license_ends_at: datetime = AT + timedelta(days=1),
    consent_revoked_at: datetime | None = None,
    consent_valid_until: datetime = AT + timedelta(days=1),
) -> str | None:
    """Why an output is blocked at ``AT``; an ended license ended at ``AT``."""
    ended_states = (LicenseStatus.revoked, LicenseStatus.expired, LicenseStatus.withdrawn)
    ended = license_status in ended_states
    lic = _License(license_status, license_ends_at, AT if ended else None)
    status = ConsentStatus.revoked if consent_revoked_at is not None else ConsentStatus.signed
    return rules.ended_for(lic, _Consent(status, consent_revoked_at, consent_valid_until), AT)


def test_what_ends_an_unreleased_output() -> None:
    assert _ended() is None
    assert _ended(license_status=LicenseStatus.suspended) is None  # a pause is no end
    for status in (LicenseStatus.revoked, LicenseStatus.expired, LicenseStatus.withdrawn):
        assert (_ended(license_status=status) or "").startswith(f"license.{status.value}:")
    assert (_ended(consent_revoked_at=AT) or "").startswith("consent.revoked:")
    assert _ended(consent_revoked_at=AT + timedelta(seconds=1)) is None
    assert (_ended(license_ends_at=AT) or "").startswith("license.expired:")
    assert (_ended(consent_valid_until=AT) or "").startswith("consent.expired:")
    # The license's own end is named first when both ended.
    both = _ended(license_status=LicenseStatus.revoked, consent_revoked_at=AT)
    assert (both or "").startswith("license.revoked:")


def test_the_columns_and_the_rows_name_the_same_end() -> None:
    from likeness.models.consent import Consent
    from likeness.models.license import License
    from likeness.policy import ConsentStatus, LicenseStatus

    # A talent's revocation dates the license's end and the consent's revocation alike.
    lic = License(
        status=LicenseStatus.revoked, ends_at=AT + timedelta(days=9), ended_at=AT, end_reason="x"
    )
    consent = Consent(
        status=ConsentStatus.revoked,
        revoked_at=AT,
        valid_until=AT + timedelta(days=9),
        revocation_reason="x",
    )
    later = AT + timedelta(hours=1)
    rows = rules.ended_for(lic, consent, later)
    assert rows == "license.revoked: license revoked: x"
    lic.status, lic.ended_at = LicenseStatus.suspended, None
    assert rules.ended_for(lic, consent, later) == "consent.revoked: use consent revoked: x"
