"""The in-memory rights index the service and the benchmark decide against."""

from __future__ import annotations

from likeness.policy import Action, RightsIndex, decide, reasons
from unit.policy.builders import TALENT, creation_consent, facts, license_, use


def _index() -> RightsIndex:
    index = RightsIndex()
    index.add_creation_consent(creation_consent())
    index.set_never_allowed(TALENT, {"political", "tobacco"})
    index.add_license(license_())
    index.add_license(license_("twinned", twin_id="twin-a"))
    return index


def test_index_decides_like_the_function_over_the_same_facts() -> None:
    index = _index()
    assert len(index) == 2
    expected = decide(use(), facts(license_(), license_("twinned", twin_id="twin-a")))
    got = index.decide(use())
    assert (got.allow, got.license_id, got.codes) == (
        expected.allow,
        expected.license_id,
        expected.codes,
    )


def test_twin_ids_resolve_to_their_talent_and_unknown_ids_pass_through() -> None:
    index = _index()
    assert index.talent_of("twin-a") == TALENT
    assert index.talent_of(TALENT) == TALENT
    assert index.talent_of("unknown") == "unknown"


def test_adding_facts_invalidates_the_cached_view() -> None:
    index = RightsIndex()
    index.add_license(license_())
    assert index.decide(use()).codes == {reasons.CREATION_CONSENT_MISSING}
    index.add_creation_consent(creation_consent())
    assert index.decide(use()).allow
    index.set_never_allowed(TALENT, {"fashion"})
    assert index.decide(use()).codes == {reasons.CATEGORY_NEVER_ALLOWED}


def test_unknown_talent_has_no_license() -> None:
    decision = RightsIndex().decide(use(talent_id="ghost"))
    assert reasons.LICENSE_MISSING in decision.codes
    assert reasons.CREATION_CONSENT_MISSING in decision.codes


def test_twin_states_reach_the_decision_and_resolve_to_their_talent() -> None:
    index = _index()
    index.add_twin_state(TALENT, "twin-gone", deleted=True, versions=0)
    index.add_twin_state(TALENT, "twin-empty", deleted=False, versions=0)
    index.add_twin_state(TALENT, "twin-live", deleted=False, versions=2)
    assert index.talent_of("twin-gone") == TALENT
    assert index.decide(use(twin_id="twin-gone")).codes == {reasons.TWIN_DELETED}
    generate = use(twin_id="twin-empty", action=Action.generate)
    assert index.decide(generate).codes == {reasons.TWIN_NO_VERSION}
    assert index.decide(use(twin_id="twin-live", action=Action.generate)).allow
    index.add_twin_state(TALENT, "twin-empty", deleted=False, versions=1)  # rebuilt
    assert index.decide(generate).allow
