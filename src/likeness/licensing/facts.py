"""Licenses and consents as the pure rules see them: rows in, policy facts out.

Kept apart from :mod:`likeness.licensing.service` so that a decision (``likeness decide``,
``POST /decide``) loads only what deciding needs, not every use case that ends in a license.
"""

from __future__ import annotations

import functools
import json

from likeness.consent.document import ConsentDocument
from likeness.models.consent import Consent
from likeness.models.license import License
from likeness.policy import ConsentFacts, ConsentKind, LicenseFacts, LicenseTerms


def terms_of(lic: License) -> LicenseTerms:
    return _parse_terms(lic.terms_sha256, lic.terms)


@functools.lru_cache(maxsize=4096)
def _parse_terms(digest: str, text: str) -> LicenseTerms:
    # Terms are immutable per text, and many licenses share terms: parse each text once.
    # The digest is part of the key so a cache entry is never served for other text.
    del digest
    return LicenseTerms.from_dict(json.loads(text))


def consent_facts(consent: Consent) -> ConsentFacts:
    return ConsentFacts(
        consent_id=consent.id,
        kind=consent.kind,
        talent_id=consent.talent_id,
        status=consent.status,
        valid_from=consent.valid_from,
        valid_until=consent.valid_until,
        signed_at=consent.signed_at,
        revoked_at=consent.revoked_at,
        twin_id=consent.twin_id,
        terms_sha256=consent.terms_sha256,
        activities=_activities(consent),
    )


def _activities(consent: Consent) -> frozenset[str]:
    # Only a creation consent lists activities (a use consent's document may not), and a
    # document never changes once written: parse each one once, not on every decision.
    if consent.kind is not ConsentKind.creation:
        return frozenset()
    return _creation_activities(consent.document_sha256, consent.document)


@functools.lru_cache(maxsize=16_384)
def _creation_activities(digest: str, document: str) -> frozenset[str]:
    # The text is part of the key, as for terms: an entry is never served for other text.
    del digest
    return frozenset(ConsentDocument.from_dict(json.loads(document)).activities)


def license_facts(lic: License, use_consent: Consent | None) -> LicenseFacts:
    return LicenseFacts(
        license_id=lic.id,
        talent_id=lic.talent_id,
        brand_id=lic.brand_id,
        status=lic.status,
        terms=terms_of(lic),
        terms_sha256=lic.terms_sha256,
        twin_id=lic.twin_id,
        released_count=lic.released_count,
        use_consent=consent_facts(use_consent) if use_consent is not None else None,
    )
