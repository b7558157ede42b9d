"""The output rules as pure functions over plain values: the approval record and its
digest, what a release decision's refusal means, which statuses may be released."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from likeness.kit.canonical import canonical_sha256
from likeness.licensing.rules import ConsentState, Ending, LicenseState, rights_ending
from likeness.models.output import OutputStatus, ReviewMode
from likeness.policy import ConsentStatus, LicenseStatus, iso
from likeness.policy import reasons as R  # noqa: N812

#: Refusals that can never be lifted for this output: its license or a consent ended, the
#: twin is gone, or the talent now refuses the category. A release refused for one of
#: them marks the output ``blocked``; any other refusal (a suspension, a channel outside
#: the license, the quota) leaves it approved.
BLOCKING_CODES = frozenset(
    {
        R.CREATION_CONSENT_REVOKED,
        R.CREATION_CONSENT_EXPIRED,
        R.TWIN_DELETED,
        R.LICENSE_NOT_ACTIVE,
        R.LICENSE_REVOKED,
        R.LICENSE_EXPIRED,
        R.CONSENT_REVOKED,
        R.CONSENT_EXPIRED,
        R.CATEGORY_NEVER_ALLOWED,
    }
)

#: The reviewer named by an automatic (pre-approved) approval.
AUTOMATIC_REVIEWER = "automatic"


def approval_record(
    *,
    output_id: str,
    image_sha256: str,
    decision_sha256: str,
    reviewer: str,
    review_mode: ReviewMode,
    approved_at: datetime,
) -> dict[str, Any]:
    """The approval, as the record whose canonical JSON is hashed into every release."""
    return {
        "output_id": output_id,
        "image_sha256": image_sha256,
        "decision_sha256": decision_sha256,
        "reviewer": reviewer,
        "review_mode": review_mode.value,
        "approved_at": iso(approved_at),
    }


def approval_sha256(record: dict[str, Any]) -> str:
    return canonical_sha256(record)


def blocks(codes: Collection[str]) -> bool:
    """Whether a refused release can never succeed for this output."""
    return bool(BLOCKING_CODES.intersection(codes))


def releasable(status: OutputStatus) -> bool:
    """Only an approved output is released; a rejected one never is."""
    return status is OutputStatus.approved


@dataclass(frozen=True)
class _LicenseState:
    status: LicenseStatus
    ends_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None


@dataclass(frozen=True)
class _ConsentState:
    status: ConsentStatus
    revoked_at: datetime | None
    valid_until: datetime
    revocation_reason: str | None = None


def blocked_reason(ending: Ending) -> str:
    """The ``blocked_reason`` of an output whose rights ended: ``code: sentence``."""
    return f"{ending.code}: {ending.reason}"


def ended_for(lic: LicenseState, consent: ConsentState, now: datetime) -> str | None:
    """Why an unreleased output of ``lic`` (under its use ``consent``) can never be
    released any more, or None while it can: the shared rule
    :func:`likeness.licensing.rules.rights_ending`, the one the asset registry settles
    by, so an output is blocked exactly when the assets of its license stop being active.
    A suspension is not an end."""
    ending = rights_ending(lic, consent, now)
    return blocked_reason(ending) if ending is not None else None


#: License states whose end the license row dates (``ended_at``).
_ENDED = frozenset({LicenseStatus.revoked, LicenseStatus.expired, LicenseStatus.withdrawn})


def ended_because(
    *,
    license_id: str,
    license_status: LicenseStatus,
    license_ends_at: datetime,
    consent_revoked_at: datetime | None,
    consent_valid_until: datetime,
    now: datetime,
) -> str | None:
    """:func:`ended_for` over the columns the caller read, with the license id added.

    These columns do not say when an ended license ended; it is taken as no later than
    anything else known to have ended by ``now``, so an ended license is named before
    its consent (a talent's revocation dates both the same), as :func:`ended_for` does
    with the rows."""
    ended_at = None
    if license_status in _ENDED:
        known = (consent_revoked_at, license_ends_at, consent_valid_until)
        ended_at = min([now, *(t for t in known if t is not None and t <= now)])
    why = ended_for(
        _LicenseState(license_status, license_ends_at, ended_at),
        _ConsentState(
            ConsentStatus.revoked if consent_revoked_at is not None else ConsentStatus.signed,
            consent_revoked_at,
            consent_valid_until,
        ),
        now,
    )
    return f"{why} (license {license_id})" if why is not None else None
