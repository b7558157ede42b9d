"""The rights rules of Likeness, as pure code.

Nothing may be created from, or done with, a talent's likeness unless :func:`decide`
says yes, and it always says why. This package has no database or web framework import:
services load :class:`RightsFacts` from storage and hand them in.

Usage::

    from datetime import UTC, datetime
    from likeness.policy import Action, UseRequest, decide

    use = UseRequest(talent_id=t, brand_id=b, action=Action.publish, channel="instagram",
                     territory="FR", category="fashion", at=datetime.now(UTC))
    decision = decide(use, facts)
    if not decision.allow:
        for reason in decision.reasons:
            print(reason.code, reason.message)

Also here: the negotiation transition table (:func:`next_status`), validation of
license terms (:func:`validate_terms`: term ≤ 10 years, commission ≤ 20 %), category
exclusivity (:func:`exclusivity_clashes`) and canonical JSON hashing.

Exceptions::

    LikenessError
    └── PolicyError
        ├── InvalidTerms (422)          terms break a rule; .problems lists all of them
        ├── InvalidUse (422)            malformed use request
        ├── IllegalTransition (409)     not possible from the current state
        ├── TransitionNotPermitted (403) the actor may not take this action
        └── ExclusivityConflict (409)   overlaps another brand's exclusivity
"""

from likeness.policy import _reasons as reasons
from likeness.policy._amounts import format_minor, format_units
from likeness.policy._codes import (
    DEFAULT_CATEGORIES,
    DEFAULT_CHANNELS,
    ISO_3166_ALPHA2,
    ISO_4217_MINOR_UNITS,
    SENSITIVE_CATEGORIES,
    WORLDWIDE,
    is_currency,
    is_slug,
    is_territory,
)
from likeness.policy._decide import decide
from likeness.policy._errors import (
    ExclusivityConflict,
    IllegalTransition,
    InvalidTerms,
    InvalidUse,
    PolicyError,
    TransitionNotPermitted,
)
from likeness.policy._index import RightsIndex
from likeness.policy._negotiation import (
    TRANSITIONS,
    LicenseAction,
    Relation,
    Rule,
    available_actions,
    next_status,
)
from likeness.policy._terms import (
    MAX_COMMISSION_BPS,
    MAX_PAYMENT_DAYS,
    MAX_TAKEDOWN_DAYS,
    MAX_TERM_YEARS,
    ExclusivityClash,
    add_years,
    exclusivity_clashes,
    has_stray_control,
    terms_sha256,
    validate_terms,
)
from likeness.policy._values import (
    ALTER,
    CAPTURE,
    CREATION_ACTIVITY_NAMES,
    DEFAULT_CREATION_ACTIVITIES,
    NEGOTIATING,
    RUNNING,
    TRAIN,
    TWIN_ACTIVITIES,
    Action,
    ApprovalMode,
    ConsentFacts,
    ConsentKind,
    ConsentStatus,
    Decision,
    FeeLine,
    FeeSchedule,
    LicenseFacts,
    LicenseStatus,
    LicenseTerms,
    Obligation,
    Reason,
    RightsFacts,
    UseRequest,
    iso,
    parse_iso,
    require_aware,
)

__all__ = [
    "ALTER",
    "CAPTURE",
    "CREATION_ACTIVITY_NAMES",
    "DEFAULT_CATEGORIES",
    "DEFAULT_CHANNELS",
    "DEFAULT_CREATION_ACTIVITIES",
    "ISO_3166_ALPHA2",
    "ISO_4217_MINOR_UNITS",
    "MAX_COMMISSION_BPS",
    "MAX_PAYMENT_DAYS",
    "MAX_TAKEDOWN_DAYS",
    "MAX_TERM_YEARS",
    "NEGOTIATING",
    "RUNNING",
    "SENSITIVE_CATEGORIES",
    "TRAIN",
    "TRANSITIONS",
    "TWIN_ACTIVITIES",
    "WORLDWIDE",
    "Action",
    "ApprovalMode",
    "ConsentFacts",
    "ConsentKind",
    "ConsentStatus",
    "Decision",
    "ExclusivityClash",
    "ExclusivityConflict",
    "FeeLine",
    "FeeSchedule",
    "IllegalTransition",
    "InvalidTerms",
    "InvalidUse",
    "LicenseAction",
    "LicenseFacts",
    "LicenseStatus",
    "LicenseTerms",
    "Obligation",
    "PolicyError",
    "Reason",
    "Relation",
    "RightsFacts",
    "RightsIndex",
    "Rule",
    "TransitionNotPermitted",
    "UseRequest",
    "add_years",
    "available_actions",
    "decide",
    "exclusivity_clashes",
    "format_minor",
    "format_units",
    "has_stray_control",
    "is_currency",
    "is_slug",
    "is_territory",
    "iso",
    "next_status",
    "parse_iso",
    "reasons",
    "require_aware",
    "terms_sha256",
    "validate_terms",
]
