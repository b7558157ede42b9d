"""The decision at its edges: exact instants, several licenses, and what a decision echoes.

A term runs from its start instant up to, not including, its end instant (half-open,
like a consent's validity): at ``starts_at`` a license is usable, at ``ends_at`` it is not.
Another brand's exclusivity blocks over the same half-open window.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from likeness.policy import Action, Decision, LicenseStatus, UseRequest, decide
from likeness.policy import reasons as R  # noqa: N812
from unit.policy.builders import (
    NOW,
    OTHER_BRAND,
    T0,
    creation_consent,
    facts,
    license_,
    terms,
    use,
)

TICK = timedelta(microseconds=1)
END = T0 + timedelta(days=365)  # the builders' license and use consent end here


def _codes_at(at: object) -> frozenset[str]:
    return decide(use(at=at), facts()).codes


def test_a_license_is_usable_from_its_exact_start_instant() -> None:
    assert _codes_at(T0) == {R.ALLOW_LICENSED}
    assert R.LICENSE_OUTSIDE_TERM in _codes_at(T0 - TICK)


def test_a_license_is_not_usable_at_its_exact_end_instant() -> None:
    assert _codes_at(END - TICK) == {R.ALLOW_LICENSED}
    assert R.LICENSE_EXPIRED in _codes_at(END)


def test_the_term_alone_decides_at_the_end_instant() -> None:
    # A use consent that outlives the license must not keep the license usable at its end.
    lic = license_()
    longer = replace(lic, use_consent=replace(lic.use_consent, valid_until=END + timedelta(days=1)))  # type: ignore[type-var]
    assert decide(use(at=END - TICK), facts(longer)).allow
    assert decide(use(at=END), facts(longer)).codes == {R.LICENSE_EXPIRED}


def test_the_term_alone_decides_at_the_start_instant() -> None:
    lic = license_()
    earlier = replace(lic, use_consent=replace(lic.use_consent, valid_from=T0 - timedelta(days=1)))  # type: ignore[type-var]
    rights = facts(earlier, creation_consents=(creation_consent(valid_from=T0 - timedelta(1)),))
    assert decide(use(at=T0), rights).allow
    assert decide(use(at=T0 - TICK), rights).codes == {R.LICENSE_OUTSIDE_TERM}


def _other_exclusive(start: object, end: object) -> object:
    return license_(
        "lic-other",
        brand_id=OTHER_BRAND,
        license_terms=terms(
            exclusive_categories=frozenset({"fashion"}), starts_at=start, ends_at=end
        ),
    )


def test_another_brands_exclusivity_blocks_from_its_exact_start_instant() -> None:
    start = NOW
    rights = facts(license_(), _other_exclusive(start, start + timedelta(days=10)))  # type: ignore[arg-type]
    assert decide(use(at=start - TICK), rights).allow
    blocked = decide(use(at=start), rights)
    assert blocked.codes == {R.EXCLUSIVITY_CONFLICT}
    assert [r.license_id for r in blocked.reasons] == ["lic1"]
    assert "lic-other" in blocked.reasons[0].message


def test_another_brands_exclusivity_stops_blocking_at_its_exact_end_instant() -> None:
    end = NOW
    rights = facts(license_(), _other_exclusive(end - timedelta(days=10), end))  # type: ignore[arg-type]
    assert decide(use(at=end - TICK), rights).codes == {R.EXCLUSIVITY_CONFLICT}
    assert decide(use(at=end), rights).allow


def test_each_other_exclusive_license_is_a_reason_in_any_order() -> None:
    others = [
        license_("x-same-brand", license_terms=terms(exclusive_categories=frozenset({"fashion"}))),
        license_(
            "x-revoked",
            brand_id=OTHER_BRAND,
            status=LicenseStatus.revoked,
            license_terms=terms(exclusive_categories=frozenset({"fashion"})),
        ),
        license_(
            "x-beauty",
            brand_id=OTHER_BRAND,
            license_terms=terms(exclusive_categories=frozenset({"beauty"})),
        ),
        license_(
            "x-a",
            brand_id=OTHER_BRAND,
            license_terms=terms(exclusive_categories=frozenset({"fashion"})),
        ),
        license_(
            "x-b",
            brand_id="brand3",
            license_terms=terms(exclusive_categories=frozenset({"fashion"})),
        ),
    ]
    for order in itertools.permutations(others):
        decision = decide(use(), facts(license_(), *order))
        assert not decision.allow
        assert decision.codes == {R.EXCLUSIVITY_CONFLICT}
        # Both of this brand's licenses (lic1 and x-same-brand) meet both exclusive holders.
        blocked_by = sorted(
            (r.license_id, other)
            for r in decision.reasons
            for other in ("x-a", "x-b")
            if f"(license {other})" in r.message
        )
        assert len(decision.reasons) == 4
        assert blocked_by == [
            ("lic1", "x-a"),
            ("lic1", "x-b"),
            ("x-same-brand", "x-a"),
            ("x-same-brand", "x-b"),
        ]


def test_a_suspended_exclusive_license_still_blocks_but_a_negotiating_one_does_not() -> None:
    exclusive = terms(exclusive_categories=frozenset({"fashion"}))
    for status in LicenseStatus:
        other = license_("x", brand_id=OTHER_BRAND, status=status, license_terms=exclusive)
        blocks = status in {LicenseStatus.active, LicenseStatus.suspended}
        assert decide(use(), facts(license_(), other)).allow is not blocks, status


def _deny_use(request: UseRequest, decision: Decision) -> None:
    assert decision.allow is False
    assert decision.use == request
    assert decision.license_id is None
    assert decision.consent_id is None
    assert not decision.approval_required


@pytest.mark.parametrize("action", list(Action))
def test_a_denial_carries_the_use_it_answers(action: Action) -> None:
    request = use(action=action, channel="tiktok")
    _deny_use(request, decide(request, facts()))
    nobody = use(action=action, brand_id="nobody")
    _deny_use(nobody, decide(nobody, facts()))
    refused = use(action=action, category="tobacco")
    _deny_use(refused, decide(refused, facts()))


def test_an_allow_names_its_license_on_the_decision_and_on_its_reason() -> None:
    short = license_("short", license_terms=terms(ends_at=T0 + timedelta(days=60)))
    request = use(license_id="short")
    decision = decide(request, facts(license_("long"), short))
    assert decision.use == request
    (reason,) = decision.reasons
    assert (reason.code, reason.license_id) == (R.ALLOW_LICENSED, "short")
    assert decision.license_id == "short"
    assert decision.consent_id == "c-short"


def test_licenses_ending_together_are_listed_in_id_order_when_ambiguous() -> None:
    a, b = license_("lic-a"), license_("lic-b")
    for order in ((a, b), (b, a)):
        decision = decide(use(), facts(*order))
        assert decision.codes == {R.LICENSE_AMBIGUOUS}
        assert decision.candidate_license_ids == ("lic-a", "lic-b")
        assert decide(use(license_id="lic-b"), facts(*order)).license_id == "lic-b"


def test_a_later_license_is_tried_when_the_first_one_objects() -> None:
    quota_spent = license_("a-spent", released_count=10, license_terms=terms(ends_at=END - TICK))
    for order in itertools.permutations([quota_spent, license_("b-fresh")]):
        decision = decide(use(action=Action.release), facts(*order))
        assert decision.license_id == "b-fresh"


def test_every_license_reason_is_listed_when_none_allows() -> None:
    a = license_("a", status=LicenseStatus.suspended)
    b = license_("b", status=LicenseStatus.revoked, license_terms=terms(ends_at=END + TICK))
    decision = decide(use(), facts(a, b))
    assert {(r.code, r.license_id) for r in decision.reasons} == {
        (R.LICENSE_SUSPENDED, "a"),
        (R.LICENSE_REVOKED, "b"),
    }


def test_a_use_consent_signed_or_revoked_at_the_exact_instant() -> None:
    lic = license_()
    signed_now = replace(lic, use_consent=replace(lic.use_consent, signed_at=NOW))  # type: ignore[type-var]
    assert decide(use(), facts(signed_now)).allow
    revoked_now = replace(lic, use_consent=replace(lic.use_consent, revoked_at=NOW))  # type: ignore[type-var]
    assert decide(use(), facts(revoked_now)).codes == {R.CONSENT_REVOKED}


def test_a_creation_consent_signed_revoked_or_ending_at_the_exact_instant() -> None:
    def codes(**changes: object) -> frozenset[str]:
        return decide(use(), facts(creation_consents=(creation_consent(**changes),))).codes

    assert codes(signed_at=NOW) == {R.ALLOW_LICENSED}
    assert codes(signed_at=NOW + TICK) == {R.CREATION_CONSENT_MISSING}
    assert codes(revoked_at=NOW) == {R.CREATION_CONSENT_REVOKED}
    assert codes(revoked_at=NOW + TICK) == {R.ALLOW_LICENSED}
    assert codes(valid_until=NOW) == {R.CREATION_CONSENT_EXPIRED}
    assert codes(valid_until=NOW + TICK) == {R.ALLOW_LICENSED}
    assert codes(valid_from=NOW) == {R.ALLOW_LICENSED}


def test_every_denial_is_a_plain_false_with_worded_reasons() -> None:
    for request, rights in (
        (use(brand_id="nobody"), facts()),
        (use(channel="tiktok"), facts()),
    ):
        decision = decide(request, rights)
        assert decision.allow is False
        assert all(isinstance(r.message, str) and r.message for r in decision.reasons)


@pytest.mark.parametrize("action", list(Action))
def test_an_allow_words_its_reason_and_every_obligation(action: Action) -> None:
    decision = decide(use(action=action), facts())
    assert decision.allow is True
    texts = [r.message for r in decision.reasons] + [o.message for o in decision.obligations]
    assert texts
    assert all(isinstance(t, str) and t and "None" not in t for t in texts)


def test_the_allow_reason_names_the_territory_only_when_there_is_one() -> None:
    lic = license_(license_terms=terms(territories=frozenset({"WW"})))
    (with_territory,) = decide(use(territory="FR"), facts(lic)).reasons
    (without,) = decide(use(territory=None), facts(lic)).reasons
    assert " in FR " in with_territory.message
    assert with_territory.message.replace(" in FR", "") == without.message
