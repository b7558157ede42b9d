"""Every allow path and every deny reason of the policy decision point."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from likeness.policy import (
    Action,
    ApprovalMode,
    Decision,
    InvalidUse,
    LicenseStatus,
    RightsFacts,
    decide,
    reasons,
    terms_sha256,
)
from likeness.policy import reasons as R  # noqa: N812
from unit.policy.builders import (
    BRAND,
    NOW,
    OTHER_BRAND,
    T0,
    TALENT,
    consent,
    creation_consent,
    facts,
    license_,
    terms,
    use,
)


def test_a_fully_licensed_publish_is_allowed_with_obligations_and_fees() -> None:
    decision = decide(use(), facts())
    assert decision.allow
    assert decision.license_id == "lic1"
    assert decision.consent_id == "c-lic1"
    assert decision.codes == {R.ALLOW_LICENSED}
    assert [f.to_dict() for f in decision.fees] == [
        {
            "code": R.FEE_PER_USE,
            "description": "per published use on instagram",
            "amount_minor": 2_500,
            "currency": "EUR",
            "agent_commission_minor": 375,
            "talent_net_minor": 2_125,
        }
    ]
    codes = {o.code for o in decision.obligations}
    assert codes == {R.OBLIGATION_LABEL, R.OBLIGATION_TAKEDOWN}
    assert not decision.approval_required


def test_release_needs_talent_approval_watermark_c2pa_label_and_pays_per_output() -> None:
    decision = decide(use(action=Action.release), facts())
    assert decision.allow
    assert decision.approval_required
    assert {o.code for o in decision.obligations} == {
        R.OBLIGATION_APPROVAL,
        R.OBLIGATION_WATERMARK,
        R.OBLIGATION_C2PA,
        R.OBLIGATION_LABEL,
        R.OBLIGATION_TAKEDOWN,
    }
    (fee,) = decision.fees
    assert (fee.code, fee.amount_minor, fee.agent_commission_minor) == (
        R.FEE_PER_OUTPUT,
        5_000,
        750,
    )


def test_generate_needs_no_territory_and_carries_no_fee() -> None:
    decision = decide(use(action=Action.generate, territory=None), facts())
    assert decision.allow
    assert decision.fees == ()
    assert {o.code for o in decision.obligations} == {R.OBLIGATION_APPROVAL, R.OBLIGATION_WATERMARK}


def test_pre_approved_scope_needs_no_approval() -> None:
    lic = license_(license_terms=terms(approval_mode=ApprovalMode.pre_approved))
    decision = decide(use(action=Action.release), facts(lic))
    assert decision.allow
    assert not decision.approval_required
    assert R.OBLIGATION_APPROVAL not in {o.code for o in decision.obligations}


def test_channel_without_per_use_fee_has_no_fee_line() -> None:
    assert decide(use(channel="web"), facts()).fees == ()


def test_worldwide_license_covers_any_territory_and_needs_none() -> None:
    lic = license_(license_terms=terms(territories=frozenset({"WW"})))
    assert decide(use(territory="JP"), facts(lic)).allow
    assert decide(use(territory=None), facts(lic)).allow


def test_commission_rounds_down_in_favour_of_the_talent() -> None:
    lic = license_(license_terms=terms(commission_bps=1_999))
    (fee,) = decide(use(action=Action.release), facts(lic)).fees
    assert fee.agent_commission_minor == 5_000 * 1_999 // 10_000 == 999


def test_input_is_normalised() -> None:
    decision = decide(use(channel=" Instagram ", territory="fr", category="Fashion"), facts())
    assert decision.allow


def _deny(decision: Decision, code: str) -> None:
    assert not decision.allow, decision.to_dict()
    assert code in decision.codes, decision.to_dict()
    assert decision.license_id is None
    assert decision.obligations == ()
    assert decision.fees == ()
    assert all(r.message for r in decision.reasons)


LATE = T0 + timedelta(days=400)

DENY_CASES: dict[str, tuple[object, RightsFacts]] = {
    R.CATEGORY_NEVER_ALLOWED: (
        use(category="tobacco"),
        facts(license_(license_terms=terms(categories=frozenset({"tobacco"})))),
    ),
    R.CATEGORY_REQUIRED: (use(category=None), facts()),
    R.TERRITORY_REQUIRED: (use(territory=None), facts()),
    R.CREATION_CONSENT_MISSING: (use(), facts(creation_consents=())),
    R.CREATION_CONSENT_REVOKED: (
        use(),
        facts(creation_consents=(creation_consent(revoked_at=NOW - timedelta(hours=1)),)),
    ),
    R.CREATION_CONSENT_EXPIRED: (
        use(),
        facts(creation_consents=(creation_consent(valid_until=NOW - timedelta(days=1)),)),
    ),
    R.CREATION_CONSENT_NO_ALTER: (
        use(action=Action.generate),
        facts(creation_consents=(creation_consent(activities=frozenset({"capture", "build"})),)),
    ),
    R.TWIN_DELETED: (use(twin_id="twin-a"), facts(deleted_twins=frozenset({"twin-a"}))),
    R.TWIN_NO_VERSION: (
        use(twin_id="twin-a", action=Action.generate),
        facts(twins_without_version=frozenset({"twin-a"})),
    ),
    R.LICENSE_MISSING: (use(brand_id="nobody"), facts()),
    R.LICENSE_AMBIGUOUS: (use(), facts(license_("lic-a"), license_("lic-b"))),
    R.LICENSE_NOT_ACTIVE: (use(), facts(license_(status=LicenseStatus.accepted))),
    R.LICENSE_SUSPENDED: (use(), facts(license_(status=LicenseStatus.suspended))),
    R.LICENSE_REVOKED: (use(), facts(license_(status=LicenseStatus.revoked))),
    R.LICENSE_EXPIRED: (use(at=LATE), facts(creation_consents=(creation_consent(),))),
    R.LICENSE_OUTSIDE_TERM: (use(at=T0 - timedelta(minutes=1)), facts()),
    R.CONSENT_MISSING: (use(), facts(license_(with_consent=False))),
    R.CONSENT_REVOKED: (
        use(),
        facts(
            replace(
                license_(),
                use_consent=replace(license_().use_consent, revoked_at=NOW - timedelta(seconds=1)),
            )
        ),  # type: ignore[type-var]
    ),
    R.CONSENT_EXPIRED: (
        use(),
        facts(
            replace(
                license_(),
                use_consent=replace(license_().use_consent, valid_until=NOW - timedelta(days=1)),
            )
        ),  # type: ignore[type-var]
    ),
    R.CONSENT_TERMS_MISMATCH: (
        use(),
        facts(replace(license_(), terms_sha256=terms_sha256(terms(max_outputs=999)))),
    ),
    R.CHANNEL_NOT_LICENSED: (use(channel="tiktok"), facts()),
    R.TERRITORY_NOT_LICENSED: (use(territory="US"), facts()),
    R.CATEGORY_NOT_LICENSED: (use(category="sportswear"), facts()),
    R.QUOTA_EXHAUSTED: (use(action=Action.release), facts(license_(released_count=10))),
    R.EXCLUSIVITY_CONFLICT: (
        use(),
        facts(
            license_(),
            license_(
                "lic-other",
                brand_id=OTHER_BRAND,
                license_terms=terms(exclusive_categories=frozenset({"fashion"})),
            ),
        ),
    ),
}


def test_every_deny_code_has_a_case() -> None:
    assert set(DENY_CASES) == reasons.DENY_CODES


@pytest.mark.parametrize("code", sorted(DENY_CASES))
def test_each_deny_reason(code: str) -> None:
    request, rights = DENY_CASES[code]
    _deny(decide(request, rights), code)  # type: ignore[arg-type]


def test_expired_status_denies_even_inside_the_term() -> None:
    _deny(decide(use(), facts(license_(status=LicenseStatus.expired))), R.LICENSE_EXPIRED)


def test_withdrawn_license_is_not_active() -> None:
    _deny(decide(use(), facts(license_(status=LicenseStatus.withdrawn))), R.LICENSE_NOT_ACTIVE)


def test_unsigned_use_consent_counts_as_missing() -> None:
    lic = license_()
    unsigned = replace(lic, use_consent=replace(lic.use_consent, signed_at=None))  # type: ignore[type-var]
    _deny(decide(use(), facts(unsigned)), R.CONSENT_MISSING)


def test_consent_signed_after_the_use_time_does_not_count() -> None:
    lic = license_()
    later = replace(lic, use_consent=replace(lic.use_consent, signed_at=NOW + timedelta(hours=1)))  # type: ignore[type-var]
    _deny(decide(use(), facts(later)), R.CONSENT_MISSING)


def test_revocation_in_the_future_still_allows_until_then() -> None:
    lic = license_()
    future = replace(lic, use_consent=replace(lic.use_consent, revoked_at=NOW + timedelta(days=1)))  # type: ignore[type-var]
    assert decide(use(), facts(future)).allow
    _deny(decide(use(at=NOW + timedelta(days=2)), facts(future)), R.CONSENT_REVOKED)


def test_publish_is_not_limited_by_the_output_quota() -> None:
    assert decide(use(action=Action.publish), facts(license_(released_count=10))).allow
    _deny(
        decide(use(action=Action.generate, territory=None), facts(license_(released_count=10))),
        R.QUOTA_EXHAUSTED,
    )


def test_never_allowed_overrides_a_license_that_covers_the_category() -> None:
    lic = license_(license_terms=terms(categories=frozenset({"fashion", "political"})))
    decision = decide(use(category="political"), facts(lic))
    assert decision.codes == {R.CATEGORY_NEVER_ALLOWED}


def test_a_deny_lists_every_reason_not_just_the_first() -> None:
    decision = decide(
        use(channel="tiktok", territory="US", category="sportswear"),
        facts(license_(status=LicenseStatus.suspended)),
    )
    assert decision.codes == {
        R.LICENSE_SUSPENDED,
        R.CHANNEL_NOT_LICENSED,
        R.TERRITORY_NOT_LICENSED,
        R.CATEGORY_NOT_LICENSED,
    }
    assert all(r.license_id == "lic1" for r in decision.reasons)


def test_talent_level_deny_still_reports_license_reasons() -> None:
    decision = decide(use(channel="tiktok"), facts(creation_consents=()))
    assert decision.codes == {R.CREATION_CONSENT_MISSING, R.CHANNEL_NOT_LICENSED}


def test_another_brands_license_never_serves_this_brand() -> None:
    other = license_("lic-b2", brand_id=OTHER_BRAND)
    decision = decide(use(), facts(other))
    assert decision.codes == {R.LICENSE_MISSING}


def test_own_exclusivity_does_not_block_the_holder() -> None:
    lic = license_(license_terms=terms(exclusive_categories=frozenset({"fashion"})))
    assert decide(use(), facts(lic)).allow


def test_exclusivity_of_a_revoked_or_ended_license_no_longer_blocks() -> None:
    exclusive = terms(exclusive_categories=frozenset({"fashion"}))
    for other in (
        license_("x", brand_id=OTHER_BRAND, status=LicenseStatus.revoked, license_terms=exclusive),
        license_(
            "x",
            brand_id=OTHER_BRAND,
            license_terms=replace(exclusive, ends_at=NOW - timedelta(days=1)),
        ),
    ):
        assert decide(use(), facts(license_(), other)).allow


def test_two_covering_licenses_are_never_chosen_between() -> None:
    short = license_("short", license_terms=terms(ends_at=T0 + timedelta(days=60)))
    long = license_("long")
    decision = decide(use(), facts(long, short))
    assert not decision.allow
    assert decision.codes == {R.LICENSE_AMBIGUOUS}
    assert decision.license_id is None
    assert decision.candidate_license_ids == ("short", "long")
    (reason,) = decision.reasons
    assert "short, long" in reason.message
    assert decision.to_dict()["candidate_license_ids"] == ["short", "long"]


def test_naming_a_license_decides_under_that_license_alone() -> None:
    short = license_("short", license_terms=terms(ends_at=T0 + timedelta(days=60)))
    long = license_("long")
    for named in ("short", "long"):
        decision = decide(use(license_id=named), facts(long, short))
        assert decision.allow
        assert decision.license_id == named
        assert decision.consent_id == f"c-{named}"
        assert decision.to_dict()["use"]["license_id"] == named


def test_a_named_license_that_objects_denies_even_when_another_would_cover() -> None:
    spent = license_("spent", released_count=10)
    fresh = license_("fresh")
    decision = decide(use(action=Action.release, license_id="spent"), facts(spent, fresh))
    assert not decision.allow
    assert {(r.code, r.license_id) for r in decision.reasons} == {(R.QUOTA_EXHAUSTED, "spent")}
    # Without a name, the only license that covers the release is used, as before.
    assert decide(use(action=Action.release), facts(spent, fresh)).license_id == "fresh"


@pytest.mark.parametrize(
    ("license_id", "changes", "target"),
    [
        ("nope", {}, f"talent {TALENT}"),  # no such license
        ("theirs", {}, f"talent {TALENT}"),  # another brand's license
        ("scoped", {"twin_id": "twin-b"}, "twin twin-b"),  # a license for another twin
        ("scoped", {}, f"talent {TALENT}"),  # a one-twin license, asked for every twin
    ],
)
def test_naming_a_license_the_brand_does_not_hold_for_the_twin_is_an_error(
    license_id: str, changes: dict[str, object], target: str
) -> None:
    rights = facts(
        license_(),
        license_("theirs", brand_id=OTHER_BRAND),
        license_("scoped", twin_id="twin-a"),
    )
    with pytest.raises(InvalidUse) as raised:
        decide(use(license_id=license_id, **changes), rights)
    assert raised.value.message == f"brand {BRAND} holds no license {license_id} for {target}"
    assert decide(use(license_id="scoped", twin_id="twin-a"), rights).license_id == "scoped"


def test_an_empty_license_id_is_refused() -> None:
    with pytest.raises(InvalidUse, match="must not be empty"):
        use(license_id="  ")


def test_a_second_license_can_allow_what_the_first_does_not_cover() -> None:
    web_only = license_("a-web", license_terms=terms(channels=frozenset({"web"})))
    tiktok = license_(
        "b-tiktok",
        license_terms=terms(channels=frozenset({"tiktok"}), ends_at=T0 + timedelta(days=400)),
    )
    decision = decide(use(channel="tiktok"), facts(web_only, tiktok))
    assert decision.allow
    assert decision.license_id == "b-tiktok"


def test_twin_scoped_license_covers_only_that_twin() -> None:
    scoped = license_(twin_id="twin-a")
    assert decide(use(twin_id="twin-a"), facts(scoped)).allow
    assert decide(use(twin_id="twin-b"), facts(scoped)).codes == {R.LICENSE_MISSING}
    assert decide(use(twin_id=None), facts(scoped)).codes == {R.LICENSE_MISSING}
    assert decide(use(twin_id="twin-b"), facts(license_())).allow


def test_twin_scoped_creation_consent() -> None:
    only_a = facts(creation_consents=(creation_consent(twin_id="twin-a"),))
    assert decide(use(twin_id="twin-a"), only_a).allow
    _deny(decide(use(twin_id="twin-b"), only_a), R.CREATION_CONSENT_MISSING)


def test_a_consent_that_does_not_allow_altering_still_lets_released_outputs_run() -> None:
    no_alter = facts(creation_consents=(creation_consent(activities=frozenset({"build"})),))
    _deny(decide(use(action=Action.generate), no_alter), R.CREATION_CONSENT_NO_ALTER)
    assert decide(use(action=Action.publish), no_alter).allow
    both = facts(
        creation_consents=(
            creation_consent(activities=frozenset({"build"})),
            creation_consent(consent_id="creation2"),
        )
    )
    assert decide(use(action=Action.generate), both).allow


def test_a_deleted_twin_denies_every_action_and_leaves_the_talents_other_twins_alone() -> None:
    gone = facts(deleted_twins=frozenset({"twin-a"}))
    for action in Action:
        _deny(decide(use(twin_id="twin-a", action=action), gone), R.TWIN_DELETED)
    assert decide(use(twin_id="twin-b"), gone).allow
    assert decide(use(twin_id=None), gone).allow


def test_a_twin_with_no_version_left_cannot_generate_but_its_outputs_may_still_run() -> None:
    versionless = facts(twins_without_version=frozenset({"twin-a"}))
    _deny(decide(use(twin_id="twin-a", action=Action.generate), versionless), R.TWIN_NO_VERSION)
    assert decide(use(twin_id="twin-a", action=Action.publish), versionless).allow
    assert decide(use(twin_id="twin-a", action=Action.release), versionless).allow


def test_one_revoked_creation_consent_does_not_cancel_another_standing_one() -> None:
    rights = facts(
        creation_consents=(
            creation_consent(revoked_at=NOW - timedelta(days=1)),
            creation_consent(consent_id="creation2"),
        )
    )
    assert decide(use(), rights).allow


def test_decision_serialises_to_json_ready_dict() -> None:
    data = decide(use(), facts()).to_dict()
    assert data["decision"] == "allow"
    assert data["use"] == {
        "talent_id": TALENT,
        "twin_id": None,
        "brand_id": BRAND,
        "action": "publish",
        "channel": "instagram",
        "territory": "FR",
        "category": "fashion",
        "license_id": None,
        "at": "2027-01-31T00:00:00Z",
    }
    assert data["reasons"][0]["code"] == R.ALLOW_LICENSED
    assert data["candidate_license_ids"] == []


def test_facts_of_another_talent_are_refused() -> None:
    with pytest.raises(ValueError, match="another talent"):
        decide(use(talent_id="someone-else"), facts())


def test_naive_time_is_refused() -> None:
    with pytest.raises(InvalidUse, match="time zone"):
        use(at=NOW.replace(tzinfo=None))


def test_unknown_action_is_refused() -> None:
    with pytest.raises(InvalidUse, match="unknown action"):
        use(action="sell")


def test_empty_channel_is_refused() -> None:
    with pytest.raises(InvalidUse, match="channel"):
        use(channel="")


def test_consent_builder_shape() -> None:
    # Guards the builders: a use consent hash that differs from the terms must mismatch.
    assert consent().terms_sha256 is None
