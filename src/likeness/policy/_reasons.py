"""The stable reason codes a decision may carry. Clients match on these, never on text."""

from __future__ import annotations

from typing import Final

ALLOW_LICENSED: Final = "license.covers_use"

CATEGORY_NEVER_ALLOWED: Final = "category.never_allowed"
CATEGORY_REQUIRED: Final = "category.required"
TERRITORY_REQUIRED: Final = "territory.required"
CREATION_CONSENT_MISSING: Final = "creation_consent.missing"
CREATION_CONSENT_REVOKED: Final = "creation_consent.revoked"
CREATION_CONSENT_EXPIRED: Final = "creation_consent.expired"
CREATION_CONSENT_NO_ALTER: Final = "creation_consent.no_alter"
TWIN_DELETED: Final = "twin.deleted"
TWIN_NO_VERSION: Final = "twin.no_version"
LICENSE_MISSING: Final = "license.missing"
#: Several licenses would each cover the use and the request named none of them.
LICENSE_AMBIGUOUS: Final = "license.ambiguous"
LICENSE_NOT_ACTIVE: Final = "license.not_active"
LICENSE_SUSPENDED: Final = "license.suspended"
LICENSE_REVOKED: Final = "license.revoked"
LICENSE_EXPIRED: Final = "license.expired"
LICENSE_OUTSIDE_TERM: Final = "license.outside_term"
CONSENT_MISSING: Final = "consent.missing"
CONSENT_REVOKED: Final = "consent.revoked"
CONSENT_EXPIRED: Final = "consent.expired"
CONSENT_TERMS_MISMATCH: Final = "consent.terms_mismatch"
CHANNEL_NOT_LICENSED: Final = "channel.not_licensed"
TERRITORY_NOT_LICENSED: Final = "territory.not_licensed"
CATEGORY_NOT_LICENSED: Final = "category.not_licensed"
QUOTA_EXHAUSTED: Final = "quota.exhausted"
EXCLUSIVITY_CONFLICT: Final = "exclusivity.conflict"

#: Every deny code, for documentation and exhaustive tests.
DENY_CODES: Final = frozenset(
    {
        CATEGORY_NEVER_ALLOWED,
        CATEGORY_REQUIRED,
        TERRITORY_REQUIRED,
        CREATION_CONSENT_MISSING,
        CREATION_CONSENT_REVOKED,
        CREATION_CONSENT_EXPIRED,
        CREATION_CONSENT_NO_ALTER,
        TWIN_DELETED,
        TWIN_NO_VERSION,
        LICENSE_MISSING,
        LICENSE_AMBIGUOUS,
        LICENSE_NOT_ACTIVE,
        LICENSE_SUSPENDED,
        LICENSE_REVOKED,
        LICENSE_EXPIRED,
        LICENSE_OUTSIDE_TERM,
        CONSENT_MISSING,
        CONSENT_REVOKED,
        CONSENT_EXPIRED,
        CONSENT_TERMS_MISMATCH,
        CHANNEL_NOT_LICENSED,
        TERRITORY_NOT_LICENSED,
        CATEGORY_NOT_LICENSED,
        QUOTA_EXHAUSTED,
        EXCLUSIVITY_CONFLICT,
    }
)

OBLIGATION_APPROVAL: Final = "approval.talent"
OBLIGATION_WATERMARK: Final = "provenance.watermark"
OBLIGATION_C2PA: Final = "provenance.c2pa"
OBLIGATION_LABEL: Final = "disclosure.ai_label"
OBLIGATION_TAKEDOWN: Final = "takedown.on_end"

FEE_PER_OUTPUT: Final = "fee.per_output"
FEE_PER_USE: Final = "fee.per_use"
