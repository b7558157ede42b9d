"""The output rules as pure functions over plain values: the approval record and its
digest, what a release decision's refusal means, which statuses may be released."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from likeness.kit.canonical import canonical_sha256
from likeness.licensing.rules import ConsentState, Ending, LicenseState, rights_ending
from likeness.models.output import OutputStatus, ReviewMode
from likeness.policy import iso
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
