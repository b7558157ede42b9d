"""When a license's rights end, as one pure rule over the license and its use consent.

The asset registry (assets become ``expired`` or ``revoked``, with a take-down date) and
the output workflow (unreleased outputs become ``blocked``) both sit above licensing and
both ask the same question: *have the rights this license granted ended, when, and why?*
:func:`rights_ending` is the one answer (decisions 0017 and 0018):

- a license ``revoked`` or ``withdrawn`` → revoked, when it ended;
- a license ``expired``, or still running (``active``/``suspended``) past ``ends_at`` →
  expired, at the end of its term (or when it was marked expired);
- a license in any other state that is not running (still negotiating) → revoked: it
  grants nothing;
- its use consent revoked (at or before ``now``) → revoked, when it was revoked;
- its use consent past ``valid_until`` → expired, at ``valid_until``.

A suspension is not an end: a suspended license is temporary (no new generation, release
or publication while it lasts, which the decision point enforces), so its assets stay
active and its unreleased outputs wait for it to resume.

When several ends apply, the earliest decides; on a tie a revocation beats an expiry
(the stronger reason), then the license's own end beats its consent's.

Pure: no database, no clock; rows (or any object with the same attributes) in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol

from likeness.policy import RUNNING, ConsentStatus, LicenseStatus
from likeness.policy import reasons as R  # noqa: N812

#: The code of a withdrawn license's end (the policy has no reason for it: a withdrawn
#: license is never asked about).
LICENSE_WITHDRAWN: Final = "license.withdrawn"


class LicenseState(Protocol):
    """What the rule reads of a license (a :class:`~likeness.models.license.License`)."""

    @property
    def status(self) -> LicenseStatus: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def end_reason(self) -> str | None: ...


class ConsentState(Protocol):
    """What the rule reads of a use consent (a :class:`~likeness.models.consent.Consent`)."""

    @property
    def status(self) -> ConsentStatus: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def valid_until(self) -> datetime: ...
    @property
    def revocation_reason(self) -> str | None: ...


class EndKind(StrEnum):
    """How rights end: they ran out, or somebody took them back."""

    expired = "expired"
    revoked = "revoked"


@dataclass(frozen=True)
class Ending:
    """When and why the rights of one license ended."""

    kind: EndKind
    at: datetime
    #: A reason code in the policy's vocabulary (``license.revoked``, ``consent.expired`` …).
    code: str
    #: One plain sentence (``"use consent revoked: <the talent's reason>"``).
    reason: str

    @property
    def is_revocation(self) -> bool:
        return self.kind is EndKind.revoked


def _with(text: str, detail: str | None) -> str:
    return f"{text}: {detail}" if detail else text


def license_ending(lic: LicenseState, now: datetime) -> Ending | None:
    """The end a license's own state implies (None: it still runs)."""
    if lic.status in (LicenseStatus.revoked, LicenseStatus.withdrawn):
        code = R.LICENSE_REVOKED if lic.status is LicenseStatus.revoked else LICENSE_WITHDRAWN
        return Ending(
            EndKind.revoked,
            lic.ended_at or now,
            code,
            _with(f"license {lic.status.value}", lic.end_reason),
        )
    if lic.status is LicenseStatus.expired:
        at = lic.ended_at or min(lic.ends_at, now)
        return Ending(
            EndKind.expired, at, R.LICENSE_EXPIRED, _with("license expired", lic.end_reason)
        )
    if lic.status not in RUNNING:
        return Ending(
            EndKind.revoked,
            lic.ended_at or now,
            R.LICENSE_NOT_ACTIVE,
            f"license {lic.status.value}: it grants nothing",
        )
    if lic.ends_at <= now:
        return Ending(EndKind.expired, lic.ends_at, R.LICENSE_EXPIRED, "license term ended")
    return None


def consent_is_revoked(consent: ConsentState, now: datetime) -> bool:
    """Revoked at or before ``now`` (a revocation time wins over the status)."""
    if consent.revoked_at is not None:
        return consent.revoked_at <= now
    return consent.status is ConsentStatus.revoked


def consent_ending(consent: ConsentState, now: datetime) -> Ending | None:
    """The end a use consent implies (None: it still holds): revoked, or run out,
    whichever came first."""
    revoked = None
    if consent_is_revoked(consent, now):
        revoked = Ending(
            EndKind.revoked,
            consent.revoked_at or now,
            R.CONSENT_REVOKED,
            _with("use consent revoked", consent.revocation_reason),
        )
    expired = None
    if consent.valid_until <= now:
        expired = Ending(
            EndKind.expired, consent.valid_until, R.CONSENT_EXPIRED, "use consent ran out"
        )
    return earliest(revoked, expired)


def earliest(*endings: Ending | None) -> Ending | None:
    """The end that came first; on a tie a revocation, then the first one given."""
    found = [e for e in endings if e is not None]
    if not found:
        return None
    return min(found, key=lambda e: (e.at, not e.is_revocation))


def rights_ending(lic: LicenseState, consent: ConsentState | None, now: datetime) -> Ending | None:
    """When, why and how the rights of ``lic`` (under its use ``consent``) ended by
    ``now``, or None while they run. See the module docstring for the rule."""
    return earliest(
        license_ending(lic, now),
        consent_ending(consent, now) if consent is not None else None,
    )
