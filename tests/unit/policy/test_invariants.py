"""Properties that must hold for every world, not just the ones we thought of."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likeness.policy import (
    RUNNING,
    Action,
    ApprovalMode,
    ConsentFacts,
    ConsentKind,
    ConsentStatus,
    Decision,
    FeeSchedule,
    InvalidUse,
    LicenseFacts,
    LicenseStatus,
    LicenseTerms,
    RightsFacts,
    UseRequest,
    decide,
    reasons,
    terms_sha256,
)
from unit.policy.builders import T0, TALENT

CHANNELS = ["instagram", "web", "tiktok"]
TERRITORIES = ["FR", "DE", "US", "WW"]
CATEGORIES = ["fashion", "beauty", "tobacco"]
BRANDS = ["b1", "b2"]
days = st.integers(min_value=-60, max_value=500).map(lambda d: T0 + timedelta(days=d))


def subset(values: list[str], must: str | None = None) -> st.SearchStrategy[frozenset[str]]:
    base = st.frozensets(st.sampled_from(values), min_size=1)
    if must is None:
        return base
    return base.map(lambda s: s | {must})


def likely(draw: st.DrawFn) -> bool:
    """Mostly true: worlds lean towards allowed uses so the allow properties bite."""
    return draw(st.integers(0, 19)) < 18


def around(draw: st.DrawFn, at: datetime) -> tuple[datetime, datetime]:
    """A validity window that contains ``at`` most of the time."""
    if likely(draw):
        before = draw(st.integers(0, 300))
        return at - timedelta(days=before), at + timedelta(days=draw(st.integers(1, 300)))
    start = draw(days)
    return start, start + timedelta(days=draw(st.integers(1, 600)))


def maybe_time(draw: st.DrawFn, at: datetime) -> datetime | None:
    return draw(st.one_of(st.none(), days, st.just(at), st.just(at + timedelta(seconds=1))))


@st.composite
def consents(
    draw: st.DrawFn, at: datetime, kind: ConsentKind, consent_id: str, terms_hash: str | None
) -> ConsentFacts | None:
    if kind is ConsentKind.use and not likely(draw):
        return None
    start, end = around(draw, at)
    signed = at - timedelta(days=draw(st.integers(0, 60))) if likely(draw) else maybe_time(draw, at)
    revoked = None if likely(draw) else maybe_time(draw, at)
    return ConsentFacts(
        consent_id=consent_id,
        kind=kind,
        talent_id=TALENT,
        status=ConsentStatus.revoked if revoked else ConsentStatus.signed,
        valid_from=start,
        valid_until=end,
        signed_at=signed,
        revoked_at=revoked,
        terms_sha256=terms_hash if likely(draw) else "f" * 64,
    )


@st.composite
def licenses(draw: st.DrawFn, use: UseRequest, license_id: str) -> LicenseFacts:
    start, end = around(draw, use.at)
    fit = likely(draw)
    channels = draw(subset(CHANNELS, use.channel if fit else None))
    territory = use.territory if fit and use.territory else None
    categories = draw(subset(CATEGORIES, use.category if fit else None))
    terms = LicenseTerms(
        channels=channels,
        territories=frozenset({"WW"})
        if fit and draw(st.booleans())
        else draw(subset(TERRITORIES[:3], territory)),
        categories=categories,
        exclusive_categories=draw(st.frozensets(st.sampled_from(sorted(categories)))),
        starts_at=start,
        ends_at=end,
        max_outputs=draw(st.integers(1, 5)),
        fees=FeeSchedule(
            "EUR",
            draw(st.integers(0, 10**6)),
            draw(st.integers(0, 10**5)),
            tuple((c, draw(st.integers(0, 10**4))) for c in sorted(channels)),
        ),
        approval_mode=draw(st.sampled_from(ApprovalMode)),
        commission_bps=draw(st.integers(0, 2_000)),
    )
    digest = terms_sha256(terms)
    return LicenseFacts(
        license_id=license_id,
        talent_id=TALENT,
        brand_id=use.brand_id if likely(draw) else draw(st.sampled_from(BRANDS)),
        status=LicenseStatus.active if likely(draw) else draw(st.sampled_from(LicenseStatus)),
        terms=terms,
        terms_sha256=digest,
        twin_id=draw(st.sampled_from([None, None, "twin-a"])),
        released_count=draw(st.integers(0, 6)),
        use_consent=draw(consents(use.at, ConsentKind.use, f"c-{license_id}", digest)),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[UseRequest, RightsFacts]:
    use = UseRequest(
        talent_id=TALENT,
        brand_id=draw(st.sampled_from(BRANDS)),
        action=draw(st.sampled_from(Action)),
        channel=draw(st.sampled_from(CHANNELS)),
        territory=draw(st.sampled_from([None, *TERRITORIES[:3]])),
        category=draw(st.sampled_from([None, *CATEGORIES])) if not likely(draw) else "fashion",
        twin_id=draw(st.sampled_from([None, "twin-a"])),
        at=draw(days),
    )
    lics = tuple(draw(licenses(use, f"lic{i}")) for i in range(draw(st.integers(0, 4))))
    creation = tuple(
        c
        for i in range(draw(st.integers(0, 2)) if not likely(draw) else 1)
        if (c := draw(consents(use.at, ConsentKind.creation, f"creation{i}", None))) is not None
    )
    facts = RightsFacts(
        talent_id=TALENT,
        never_allowed=draw(st.frozensets(st.sampled_from(["tobacco", "beauty"]), max_size=1)),
        creation_consents=creation,
        licenses=lics,
    )
    return use, facts


def _used_license(decision: Decision, facts: RightsFacts) -> LicenseFacts:
    (lic,) = [x for x in facts.licenses if x.license_id == decision.license_id]
    return lic


PROPERTY = settings(max_examples=80, deadline=None)


@PROPERTY
@given(worlds())
def test_an_allow_always_names_an_active_license_and_a_signed_standing_consent(
    world: tuple[UseRequest, RightsFacts],
) -> None:
    use, facts = world
    decision = decide(use, facts)
    if not decision.allow:
        return
    lic = _used_license(decision, facts)
    at: datetime = use.at
    assert lic.status is LicenseStatus.active
    assert lic.brand_id == use.brand_id
    assert lic.terms.starts_at <= at < lic.terms.ends_at
    consent = lic.use_consent
    assert consent is not None
    assert decision.consent_id == consent.consent_id
    assert consent.signed_at is not None
    assert consent.signed_at <= at
    assert consent.revoked_at is None or consent.revoked_at > at
    assert consent.terms_sha256 == lic.terms_sha256
    assert any(
        c.signed_by(at) and not c.revoked_by(at) and c.in_force(at) for c in facts.creation_consents
    )
    assert use.channel in lic.terms.channels
    assert use.category in lic.terms.categories
    assert use.category not in facts.never_allowed
    assert decision.reasons[0].code == reasons.ALLOW_LICENSED


@PROPERTY
@given(worlds())
def test_a_revoked_consent_never_allows(world: tuple[UseRequest, RightsFacts]) -> None:
    use, facts = world
    all_creation_revoked = bool(facts.creation_consents) and all(
        c.revoked_by(use.at) for c in facts.creation_consents
    )
    use_revoked = [
        lic
        for lic in facts.licenses
        if lic.use_consent is not None and lic.use_consent.revoked_by(use.at)
    ]
    decision = decide(use, facts)
    if all_creation_revoked:
        assert not decision.allow
    if decision.allow:
        assert decision.license_id not in {lic.license_id for lic in use_revoked}


@PROPERTY
@given(worlds())
def test_every_deny_has_reasons_drawn_from_the_catalogue(
    world: tuple[UseRequest, RightsFacts],
) -> None:
    use, facts = world
    decision = decide(use, facts)
    if decision.allow:
        assert len(decision.reasons) == 1
        return
    assert decision.reasons
    assert decision.codes <= reasons.DENY_CODES
    assert decision.license_id is None
    assert decision.fees == ()


@PROPERTY
@given(worlds())
def test_the_decision_does_not_depend_on_license_order(
    world: tuple[UseRequest, RightsFacts],
) -> None:
    use, facts = world
    flipped = RightsFacts(
        facts.talent_id,
        facts.never_allowed,
        facts.creation_consents,
        tuple(reversed(facts.licenses)),
    )
    a, b = decide(use, facts), decide(use, flipped)
    assert (a.allow, a.license_id, a.codes) == (b.allow, b.license_id, b.codes)


@PROPERTY
@given(worlds())
def test_fees_never_exceed_the_cap_and_never_go_negative(
    world: tuple[UseRequest, RightsFacts],
) -> None:
    use, facts = world
    for fee in decide(use, facts).fees:
        assert fee.amount_minor > 0
        assert 0 <= fee.agent_commission_minor <= fee.amount_minor * 2_000 // 10_000
        assert fee.talent_net_minor >= fee.amount_minor * 8 // 10


@PROPERTY
@given(worlds())
def test_another_brands_running_exclusivity_always_blocks(
    world: tuple[UseRequest, RightsFacts],
) -> None:
    use, facts = world
    blocked = any(
        lic.brand_id != use.brand_id
        and lic.status in RUNNING
        and use.category in lic.terms.exclusive_categories
        and lic.terms.starts_at <= use.at < lic.terms.ends_at
        for lic in facts.licenses
    )
    if blocked:
        assert not decide(use, facts).allow


def _held(use: UseRequest, facts: RightsFacts) -> list[LicenseFacts]:
    return [
        lic
        for lic in facts.licenses
        if lic.brand_id == use.brand_id and lic.applies_to_twin(use.twin_id)
    ]


@PROPERTY
@given(worlds())
def test_a_use_naming_no_license_is_allowed_only_when_exactly_one_covers_it(
    world: tuple[UseRequest, RightsFacts],
) -> None:
    use, facts = world
    covering = [
        lic.license_id
        for lic in _held(use, facts)
        if decide(replace(use, license_id=lic.license_id), facts).allow
    ]
    decision = decide(use, facts)
    assert decision.allow == (len(covering) == 1)
    if decision.allow:
        assert [decision.license_id] == covering
    if len(covering) > 1:
        assert decision.codes == {reasons.LICENSE_AMBIGUOUS}
        assert sorted(decision.candidate_license_ids) == sorted(covering)
    else:
        assert decision.candidate_license_ids == ()
        assert reasons.LICENSE_AMBIGUOUS not in decision.codes


@PROPERTY
@given(worlds())
def test_a_named_license_is_the_only_license_the_decision_speaks_of(
    world: tuple[UseRequest, RightsFacts],
) -> None:
    use, facts = world
    for lic in _held(use, facts):
        decision = decide(replace(use, license_id=lic.license_id), facts)
        assert {r.license_id for r in decision.reasons} <= {None, lic.license_id}
        assert decision.license_id in (None, lic.license_id)
        assert decision.allow == (decision.license_id == lic.license_id)
        assert reasons.LICENSE_AMBIGUOUS not in decision.codes


@PROPERTY
@given(worlds(), st.sampled_from(["lic0", "lic1", "lic2", "lic3", "nope"]))
def test_naming_a_license_the_brand_does_not_hold_for_the_twin_is_an_error(
    world: tuple[UseRequest, RightsFacts], license_id: str
) -> None:
    use, facts = world
    if any(lic.license_id == license_id for lic in _held(use, facts)):
        return
    with pytest.raises(InvalidUse, match="holds no license"):
        decide(replace(use, license_id=license_id), facts)
