"""Plain frozen values the rules work on. No database, no framework."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from likeness.kit import clock
from likeness.policy._codes import WORLDWIDE
from likeness.policy._errors import InvalidUse

#: The creation-consent activity that generating an image needs (relight, restyle, pose).
ALTER = "alter"
#: The creation-consent activity that ingesting a capture needs (the replica's first step).
CAPTURE = "capture"
#: The creation-consent activity that lets a talent's captures train a relighting prior
#: used for everyone's twins (decision 0028). Never implied: a consent names it or not.
TRAIN = "train"
#: Everything a creation consent may allow (``likeness.consent.document`` words each one).
CREATION_ACTIVITY_NAMES = frozenset({CAPTURE, "build", ALTER, TRAIN})
#: What a creation consent allows when its drafter lists nothing: everything about the
#: talent's own twin, but not ``train``, which helps others and is the talent's opt-in.
DEFAULT_CREATION_ACTIVITIES = (CAPTURE, "build", ALTER)
#: What a standing creation consent must allow for a built twin, and the licenses on it, to
#: stand: a consent to be captured, and nothing more, keeps neither.
TWIN_ACTIVITIES = frozenset({"build", ALTER})


class Action(StrEnum):
    """What a brand wants to do with a twin."""

    generate = "generate"
    release = "release"
    publish = "publish"


class LicenseStatus(StrEnum):
    requested = "requested"
    proposed = "proposed"
    countered = "countered"
    accepted = "accepted"
    active = "active"
    suspended = "suspended"
    expired = "expired"
    revoked = "revoked"
    withdrawn = "withdrawn"


#: States in which a license is still being negotiated and grants nothing yet.
NEGOTIATING = frozenset(
    {
        LicenseStatus.requested,
        LicenseStatus.proposed,
        LicenseStatus.countered,
        LicenseStatus.accepted,
    }
)
#: States whose term still "runs" for exclusivity purposes.
RUNNING = frozenset({LicenseStatus.active, LicenseStatus.suspended})


class ApprovalMode(StrEnum):
    #: The talent approves every output before it is released.
    every_output = "every_output"
    #: Outputs within the licensed scope are pre-approved.
    pre_approved = "pre_approved"


class ConsentKind(StrEnum):
    #: Consent to capture the talent and to build or alter the digital twin.
    creation = "creation"
    #: Consent to one use of the twin under one license.
    use = "use"


class ConsentStatus(StrEnum):
    draft = "draft"
    signed = "signed"
    revoked = "revoked"


def require_aware(value: datetime, what: str) -> datetime:
    """Times are compared across zones, so a naive time is a bug, never a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidUse(f"{what} must carry a time zone (got {value.isoformat()})")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past datetime.max in UTC
        raise InvalidUse(f"{what} is outside the representable range") from None


def iso(value: datetime) -> str:
    """One spelling for times in canonical JSON: UTC, seconds precision or finer, ``Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """An ISO 8601 time with a zone, in UTC (:class:`ValueError` if malformed)."""
    return require_aware(clock.parse_iso(value), "time")


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Money owed to the talent, in integer minor units of ``currency`` (ISO 4217)."""

    currency: str
    creation_fee: int = 0
    per_output_fee: int = 0
    #: Per-published-use fee by channel; a channel missing here costs nothing per use.
    per_use_fees: tuple[tuple[str, int], ...] = ()

    def per_use_fee(self, channel: str) -> int:
        for name, amount in self.per_use_fees:
            if name == channel:
                return amount
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "creation_fee": self.creation_fee,
            "per_output_fee": self.per_output_fee,
            "per_use_fees": dict(sorted(self.per_use_fees)),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeeSchedule:
        per_use = data.get("per_use_fees") or {}
        return cls(
            currency=str(data["currency"]),
            creation_fee=int(data.get("creation_fee", 0)),
            per_output_fee=int(data.get("per_output_fee", 0)),
            per_use_fees=tuple(sorted((str(k), int(v)) for k, v in dict(per_use).items())),
        )


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _names(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple | frozenset | set):
        raise ValueError(f"expected a list of names, got {value!r}")
    return frozenset(str(v) for v in value)


@dataclass(frozen=True, slots=True)
class LicenseTerms:
    """What a brand may do with a twin, for how long, and what it pays."""

    channels: frozenset[str]
    territories: frozenset[str]
    categories: frozenset[str]
    starts_at: datetime
    ends_at: datetime
    max_outputs: int
    fees: FeeSchedule
    approval_mode: ApprovalMode = ApprovalMode.every_output
    exclusive_categories: frozenset[str] = frozenset()
    #: Agent commission in basis points (1 % = 100 bps) of every fee line.
    commission_bps: int = 0
    #: After revocation or expiry, released assets must come down within this many days.
    takedown_days: int = 30
    purpose: str = ""
    #: Under ``every_output``: the talent lets the representing agent approve or reject
    #: outputs on their behalf. Off unless the talent signs terms that say so.
    delegate_review: bool = False
    #: Third parties (by name, e.g. ``fashn``) the talent allows the likeness to be sent
    #: to for generation; empty: nothing leaves the installation's own machines.
    processors: frozenset[str] = frozenset()
    #: Days after a use within which the talent is paid (NY Fashion Workers Act: at most 45).
    payment_days: int = 45

    @property
    def worldwide(self) -> bool:
        return WORLDWIDE in self.territories

    def covers_territory(self, territory: str) -> bool:
        return self.worldwide or territory in self.territories

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": sorted(self.channels),
            "territories": sorted(self.territories),
            "categories": sorted(self.categories),
            "exclusive_categories": sorted(self.exclusive_categories),
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "max_outputs": self.max_outputs,
            "approval_mode": self.approval_mode.value,
            "fees": self.fees.to_dict(),
            "commission_bps": self.commission_bps,
            "takedown_days": self.takedown_days,
            "purpose": self.purpose,
            # Written only when granted, so terms signed before it existed keep their hash.
            **({"delegate_review": True} if self.delegate_review else {}),
            **({"processors": sorted(self.processors)} if self.processors else {}),
            **({"payment_days": self.payment_days} if self.payment_days != 45 else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LicenseTerms:
        try:
            return cls(
                channels=frozenset(str(c) for c in data["channels"]),
                territories=frozenset(str(t) for t in data["territories"]),
                categories=frozenset(str(c) for c in data["categories"]),
                exclusive_categories=frozenset(
                    str(c) for c in data.get("exclusive_categories", ())
                ),
                starts_at=parse_iso(str(data["starts_at"])),
                ends_at=parse_iso(str(data["ends_at"])),
                max_outputs=int(data["max_outputs"]),
                approval_mode=ApprovalMode(data.get("approval_mode", "every_output")),
                fees=FeeSchedule.from_dict(data["fees"]),
                commission_bps=int(data.get("commission_bps", 0)),
                takedown_days=int(data.get("takedown_days", 30)),
                purpose=str(data.get("purpose", "")),
                delegate_review=_flag(data.get("delegate_review", False)),
                processors=_names(data.get("processors", ())),
                payment_days=int(data.get("payment_days", 45)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidUse(f"malformed license terms: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """What the decision needs to know about one consent document."""

    consent_id: str
    kind: ConsentKind
    talent_id: str
    status: ConsentStatus
    valid_from: datetime
    valid_until: datetime
    signed_at: datetime | None = None
    revoked_at: datetime | None = None
    twin_id: str | None = None
    #: For a use consent: SHA-256 of the license terms it was signed for.
    terms_sha256: str | None = None
    #: For a creation consent: what it allows. The default is what a creation consent
    #: allows unless it lists fewer (the document's own default), so facts built without
    #: it keep their meaning.
    activities: frozenset[str] = frozenset(DEFAULT_CREATION_ACTIVITIES)

    def signed_by(self, at: datetime) -> bool:
        return self.signed_at is not None and self.signed_at <= at

    def revoked_by(self, at: datetime) -> bool:
        return self.revoked_at is not None and self.revoked_at <= at

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at < self.valid_until


@dataclass(frozen=True, slots=True)
class LicenseFacts:
    """One license as the decision sees it: state, terms and the use consent behind it."""

    license_id: str
    talent_id: str
    brand_id: str
    status: LicenseStatus
    terms: LicenseTerms
    terms_sha256: str
    twin_id: str | None = None
    released_count: int = 0
    use_consent: ConsentFacts | None = None

    def applies_to_twin(self, twin_id: str | None) -> bool:
        """A license without a twin id covers every twin of its talent."""
        return self.twin_id is None or self.twin_id == twin_id


@dataclass(frozen=True, slots=True)
class UseRequest:
    """May ``brand_id`` do ``action`` with this twin on this channel, here, now?"""

    talent_id: str
    brand_id: str
    action: Action
    channel: str
    at: datetime
    twin_id: str | None = None
    territory: str | None = None
    category: str | None = None
    #: The license the use is made under. When given, only that license is considered;
    #: when omitted, exactly one license may cover the use (decision 0019).
    license_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_aware(self.at, "decision time"))
        if self.license_id is not None:
            license_id = self.license_id.strip()
            if not license_id:
                raise InvalidUse("a license id, when given, must not be empty")
            object.__setattr__(self, "license_id", license_id)
        if not isinstance(self.action, Action):
            try:
                object.__setattr__(self, "action", Action(self.action))
            except ValueError as exc:
                choices = ", ".join(a.value for a in Action)
                raise InvalidUse(f"unknown action {self.action!r}; use one of {choices}") from exc
        if not self.channel:
            raise InvalidUse("a channel is required")
        object.__setattr__(self, "channel", self.channel.strip().lower())
        if self.territory is not None:
            object.__setattr__(self, "territory", self.territory.strip().upper())
        if self.category is not None:
            object.__setattr__(self, "category", self.category.strip().lower())


@dataclass(frozen=True, slots=True)
class RightsFacts:
    """Everything known about one talent's rights when a decision is made."""

    talent_id: str
    #: Categories the talent never allows, whatever a license says.
    never_allowed: frozenset[str] = frozenset()
    creation_consents: tuple[ConsentFacts, ...] = ()
    #: Every license of the talent, all brands (other brands matter for exclusivity).
    licenses: tuple[LicenseFacts, ...] = ()
    #: Twins retired and deleted (crypto-shredded): nothing may be done with them.
    deleted_twins: frozenset[str] = frozenset()
    #: Twins whose every version was retired: nothing new can be generated from them.
    twins_without_version: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why: a stable machine code and a sentence a person can act on."""

    code: str
    message: str
    license_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "license_id": self.license_id}


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something that must happen for an allowed use to stay within its license."""

    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class FeeLine:
    """Money owed for this use, in integer minor units; the agent's share included."""

    code: str
    description: str
    amount_minor: int
    currency: str
    agent_commission_minor: int

    @property
    def talent_net_minor(self) -> int:
        return self.amount_minor - self.agent_commission_minor

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "agent_commission_minor": self.agent_commission_minor,
            "talent_net_minor": self.talent_net_minor,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    allow: bool
    use: UseRequest
    reasons: tuple[Reason, ...]
    license_id: str | None = None
    consent_id: str | None = None
    obligations: tuple[Obligation, ...] = ()
    fees: tuple[FeeLine, ...] = ()
    approval_required: bool = False
    #: On a deny for ambiguity: the licenses that would each cover the use, in the order
    #: they were tried (soonest ending first). Empty otherwise.
    candidate_license_ids: tuple[str, ...] = ()
    codes: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", frozenset(r.code for r in self.reasons))

    def to_dict(self) -> dict[str, Any]:
        return {
            "allow": self.allow,
            "decision": "allow" if self.allow else "deny",
            "use": {
                "talent_id": self.use.talent_id,
                "twin_id": self.use.twin_id,
                "brand_id": self.use.brand_id,
                "action": self.use.action.value,
                "channel": self.use.channel,
                "territory": self.use.territory,
                "category": self.use.category,
                "license_id": self.use.license_id,
                "at": iso(self.use.at),
            },
            "reasons": [r.to_dict() for r in self.reasons],
            "license_id": self.license_id,
            "consent_id": self.consent_id,
            "approval_required": self.approval_required,
            "obligations": [o.to_dict() for o in self.obligations],
            "fees": [f.to_dict() for f in self.fees],
            "candidate_license_ids": list(self.candidate_license_ids),
        }
