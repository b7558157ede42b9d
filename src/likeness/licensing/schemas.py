"""Pydantic in/out models of the licensing API and CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from likeness.kit.bounds import MAX_INT, Count, Instant, Version
from likeness.policy import (
    Action,
    ApprovalMode,
    FeeSchedule,
    LicenseAction,
    LicenseStatus,
    LicenseTerms,
)


class TermsIn(BaseModel):
    """License terms as a negotiator writes them; amounts in integer minor units."""

    channels: list[str] = Field(min_length=1, examples=[["instagram", "web"]])
    territories: list[str] = Field(
        min_length=1, description="ISO 3166-1 alpha-2 codes, or WW for worldwide"
    )
    categories: list[str] = Field(min_length=1, examples=[["fashion"]])
    exclusive_categories: list[str] = Field(default_factory=list)
    starts_at: Instant
    ends_at: Instant
    max_outputs: int = Field(ge=1, le=MAX_INT, description="maximum number of released outputs")
    approval_mode: ApprovalMode = ApprovalMode.every_output
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    creation_fee_minor: Count = 0
    per_output_fee_minor: Count = 0
    per_use_fees_minor: dict[str, Count] = Field(
        default_factory=dict, description="per published use, by channel"
    )
    commission_bps: int | None = Field(
        default=None,
        ge=0,
        le=2000,
        description="agent commission in basis points; default: the representing agency's rate",
    )
    takedown_days: int = Field(default=30, ge=0, le=365)
    payment_days: int = Field(
        default=45,
        ge=1,
        le=45,
        description="days after each use within which the talent is paid (at most 45)",
    )
    purpose: str = Field(min_length=1, max_length=2000)
    delegate_review: bool = Field(
        default=False,
        description="every_output only: the representing agent may approve or reject "
        "outputs for the talent",
    )
    processors: list[str] = Field(
        default_factory=list,
        description="third parties (e.g. a hosted try-on service) the talent allows the "
        "likeness to be sent to for generation; empty: it never leaves this installation",
        examples=[["fashn"]],
    )

    @model_validator(mode="after")
    def _one_fee_per_channel(self) -> TermsIn:
        """ "Instagram" and "instagram " are one channel: two fees for it is ambiguous."""
        seen: dict[str, str] = {}
        for key in self.per_use_fees_minor:
            channel = key.strip().lower()
            if channel in seen:
                raise ValueError(
                    f"per_use_fees_minor names channel {channel!r} twice "
                    f"({seen[channel]!r} and {key!r})"
                )
            seen[channel] = key
        return self

    def to_terms(self, default_commission_bps: int) -> LicenseTerms:
        commission = self.commission_bps
        return LicenseTerms(
            channels=frozenset(c.strip().lower() for c in self.channels),
            territories=frozenset(t.strip().upper() for t in self.territories),
            categories=frozenset(c.strip().lower() for c in self.categories),
            exclusive_categories=frozenset(c.strip().lower() for c in self.exclusive_categories),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            max_outputs=self.max_outputs,
            approval_mode=self.approval_mode,
            fees=FeeSchedule(
                currency=self.currency.upper(),
                creation_fee=self.creation_fee_minor,
                per_output_fee=self.per_output_fee_minor,
                per_use_fees=tuple(
                    sorted((k.strip().lower(), v) for k, v in self.per_use_fees_minor.items())
                ),
            ),
            commission_bps=default_commission_bps if commission is None else commission,
            takedown_days=self.takedown_days,
            payment_days=self.payment_days,
            purpose=self.purpose.strip(),
            delegate_review=self.delegate_review,
            processors=frozenset(p.strip().lower() for p in self.processors if p.strip()),
        )


class LicenseRequestIn(BaseModel):
    talent_id: str
    twin_id: str | None = Field(
        default=None, description="one twin of the talent; omit to cover all of their twins"
    )
    brand_id: str
    terms: TermsIn


class TermsChangeIn(BaseModel):
    terms: TermsIn
    version: Version | None = Field(
        default=None, description="the version you last read; refused if it changed since"
    )


class TransitionIn(BaseModel):
    version: Version | None = None
    reason: str | None = Field(default=None, max_length=500)


class ApproveIn(BaseModel):
    typed_name: str = Field(description="your full legal name, typed")
    statement: str = Field(description="the affirmative statement shown on the consent")
    sign_with_key: bool = Field(default=False, description="also sign with your Ed25519 key")
    version: Version | None = None


class LicenseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    talent_id: str
    twin_id: str | None
    brand_id: str
    status: LicenseStatus
    version: int
    terms: dict[str, Any]
    terms_sha256: str
    released_count: int
    created_at: datetime
    updated_at: datetime
    activated_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    use_consent_id: str | None = None
    available_actions: list[LicenseAction] = Field(default_factory=list)


class UseIn(BaseModel):
    """May this brand do this with this twin? ``twin`` is a twin id or a talent id."""

    twin: str
    brand_id: str
    action: Action
    channel: str
    territory: str | None = Field(default=None, min_length=2, max_length=2)
    category: str | None = None
    at: Instant | None = Field(default=None, description="default: now")
    license_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the license the use is made under; when omitted and several of the "
        "brand's licenses would each cover the use, the answer is a deny "
        "(`license.ambiguous`) listing them",
    )


class NotificationRead(BaseModel):
    """A notification: a brand's rights notification, or (talent, agents) an inbox one,
    which has no ``brand_id`` and names what it is about in ``object_type``/``object_id``."""

    id: str
    brand_id: str | None
    talent_id: str | None
    license_id: str | None
    consent_id: str | None
    kind: str
    message: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    object_type: str | None = None
    object_id: str | None = None


class ReasonRead(BaseModel):
    code: str = Field(examples=["license.expired"])
    message: str
    license_id: str | None


class ObligationRead(BaseModel):
    code: str = Field(examples=["disclosure.ai_label"])
    message: str


class FeeLineRead(BaseModel):
    code: str
    description: str
    amount_minor: int
    currency: str
    agent_commission_minor: int
    talent_net_minor: int


class UseRead(BaseModel):
    talent_id: str
    twin_id: str | None
    brand_id: str
    action: Action
    channel: str
    territory: str | None
    category: str | None
    license_id: str | None = None
    at: str


class DecisionRead(BaseModel):
    """``allow`` with the license used, or ``deny`` with every reason."""

    allow: bool
    decision: Literal["allow", "deny"]
    use: UseRead
    reasons: list[ReasonRead]
    license_id: str | None
    consent_id: str | None
    approval_required: bool
    obligations: list[ObligationRead]
    fees: list[FeeLineRead]
    candidate_license_ids: list[str] = Field(
        default_factory=list,
        description="on a `license.ambiguous` deny: the licenses that would each cover the "
        "use; ask again naming one",
    )
