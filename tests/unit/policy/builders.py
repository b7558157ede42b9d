"""Small builders for rights facts: one call, a valid allowed world; tweak from there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from likeness.policy import (
    Action,
    ApprovalMode,
    ConsentFacts,
    ConsentKind,
    ConsentStatus,
    FeeSchedule,
    LicenseFacts,
    LicenseStatus,
    LicenseTerms,
    RightsFacts,
    UseRequest,
    terms_sha256,
)

T0 = datetime(2027, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=30)
TALENT = "talent1"
BRAND = "brand1"
OTHER_BRAND = "brand2"


def terms(**changes: object) -> LicenseTerms:
    base = LicenseTerms(
        channels=frozenset({"instagram", "web"}),
        territories=frozenset({"FR", "DE"}),
        categories=frozenset({"fashion", "beauty"}),
        starts_at=T0,
        ends_at=T0 + timedelta(days=365),
        max_outputs=10,
        fees=FeeSchedule("EUR", 100_000, 5_000, (("instagram", 2_500),)),
        approval_mode=ApprovalMode.every_output,
        commission_bps=1_500,
        takedown_days=30,
        purpose="Spring campaign",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def consent(
    kind: ConsentKind = ConsentKind.use,
    *,
    consent_id: str = "consent1",
    terms_hash: str | None = None,
    **changes: object,
) -> ConsentFacts:
    base = ConsentFacts(
        consent_id=consent_id,
        kind=kind,
        talent_id=TALENT,
        status=ConsentStatus.signed,
        valid_from=T0,
        valid_until=T0 + timedelta(days=365),
        signed_at=T0 - timedelta(days=1),
        terms_sha256=terms_hash,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def license_(
    license_id: str = "lic1",
    *,
    brand_id: str = BRAND,
    status: LicenseStatus = LicenseStatus.active,
    license_terms: LicenseTerms | None = None,
    with_consent: bool = True,
    **changes: object,
) -> LicenseFacts:
    t = license_terms or terms()
    digest = terms_sha256(t)
    use_consent = (
        consent(
            consent_id=f"c-{license_id}",
            terms_hash=digest,
            valid_from=t.starts_at,
            valid_until=t.ends_at,
        )
        if with_consent
        else None
    )
    base = LicenseFacts(
        license_id=license_id,
        talent_id=TALENT,
        brand_id=brand_id,
        status=status,
        terms=t,
        terms_sha256=digest,
        use_consent=use_consent,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def creation_consent(**changes: object) -> ConsentFacts:
    fields: dict[str, object] = {
        "consent_id": "creation1",
        "valid_until": T0 + timedelta(days=3650),
        **changes,
    }
    return consent(ConsentKind.creation, **fields)  # type: ignore[arg-type]


def facts(*licenses: LicenseFacts, **changes: object) -> RightsFacts:
    base = RightsFacts(
        talent_id=TALENT,
        never_allowed=frozenset({"political", "tobacco"}),
        creation_consents=(creation_consent(),),
        licenses=licenses or (license_(),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def use(**changes: object) -> UseRequest:
    base = UseRequest(
        talent_id=TALENT,
        brand_id=BRAND,
        action=Action.publish,
        channel="instagram",
        territory="FR",
        category="fashion",
        at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]
