"""The negotiation transition table: every transition, every refusal."""

from __future__ import annotations

import itertools

import pytest

from likeness.policy import (
    TRANSITIONS,
    IllegalTransition,
    LicenseAction,
    LicenseStatus,
    Relation,
    TransitionNotPermitted,
    available_actions,
    next_status,
)

S = LicenseStatus
A = LicenseAction
STATES: list[LicenseStatus | None] = [None, *LicenseStatus]

#: The expected table, written out independently of the implementation.
EXPECTED: dict[tuple[LicenseStatus | None, LicenseAction], tuple[LicenseStatus, set[Relation]]] = {
    (None, A.request): (S.requested, {Relation.brand}),
    (S.requested, A.propose): (S.proposed, {Relation.talent, Relation.agent}),
    (S.countered, A.propose): (S.proposed, {Relation.talent, Relation.agent}),
    (S.proposed, A.counter): (S.countered, {Relation.brand}),
    (S.proposed, A.accept): (S.accepted, {Relation.brand}),
    (S.accepted, A.approve): (S.active, {Relation.talent}),
    (S.active, A.suspend): (S.suspended, {Relation.talent, Relation.agent, Relation.operator}),
    (S.suspended, A.resume): (S.active, {Relation.talent, Relation.operator}),
    (S.active, A.revoke): (S.revoked, {Relation.talent, Relation.operator}),
    (S.suspended, A.revoke): (S.revoked, {Relation.talent, Relation.operator}),
    (S.active, A.expire): (S.expired, {Relation.system, Relation.operator}),
    (S.suspended, A.expire): (S.expired, {Relation.system, Relation.operator}),
    **{
        (state, A.withdraw): (
            S.withdrawn,
            {Relation.brand, Relation.talent, Relation.agent, Relation.system},
        )
        for state in (S.requested, S.proposed, S.countered, S.accepted)
    },
}


@pytest.mark.parametrize(
    ("state", "action", "relation"),
    list(itertools.product(STATES, LicenseAction, Relation)),
    ids=lambda v: "none" if v is None else str(v.value),
)
def test_full_state_action_relation_matrix(
    state: LicenseStatus | None, action: LicenseAction, relation: Relation
) -> None:
    expected = EXPECTED.get((state, action))
    allowed_relations = {r for (s, a), (_, rs) in EXPECTED.items() if a is action for r in rs}
    if relation not in allowed_relations:
        with pytest.raises(TransitionNotPermitted, match=f"may {action.value}"):
            next_status(state, action, frozenset({relation}))
    elif expected is None:
        with pytest.raises(IllegalTransition, match=f"cannot {action.value}"):
            next_status(state, action, frozenset({relation}))
    else:
        assert next_status(state, action, frozenset({relation})) is expected[0]


def test_table_matches_the_written_expectation() -> None:
    derived = {
        (source, action): (rule.target, set(rule.who))
        for action, rule in TRANSITIONS.items()
        for source in rule.sources
    }
    assert derived == EXPECTED


def test_an_agent_can_never_approve_for_the_talent() -> None:
    with pytest.raises(TransitionNotPermitted, match="only the talent may approve"):
        next_status(S.accepted, A.approve, frozenset({Relation.agent, Relation.operator}))


def test_a_brand_can_never_sign_or_suspend() -> None:
    for action in (A.approve, A.suspend, A.resume, A.revoke, A.propose):
        with pytest.raises(TransitionNotPermitted):
            next_status(S.active, action, frozenset({Relation.brand}))


def test_an_actor_with_several_relations_gets_the_union() -> None:
    # A talent who is also an operator may expire their own license.
    assert next_status(S.active, A.expire, frozenset({Relation.talent, Relation.operator})) is (
        S.expired
    )


def test_no_relation_is_never_permitted() -> None:
    for action in LicenseAction:
        with pytest.raises(TransitionNotPermitted):
            next_status(S.active, action, frozenset())


def test_error_messages_name_the_state_and_the_options() -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(S.requested, A.accept, frozenset({Relation.brand}))
    assert err.value.message == "cannot accept a license that is requested (only from: proposed)"
    assert err.value.status_code == 409
    with pytest.raises(TransitionNotPermitted) as denied:
        next_status(S.proposed, A.accept, frozenset({Relation.agent}))
    assert denied.value.message == "only the brand may accept a license"
    assert denied.value.status_code == 403


def test_terminal_states_allow_nothing() -> None:
    every = frozenset(Relation)
    for state in (S.expired, S.revoked, S.withdrawn):
        assert available_actions(state, every) == []


def test_available_actions_per_relation() -> None:
    assert available_actions(S.proposed, frozenset({Relation.brand})) == [
        A.counter,
        A.accept,
        A.withdraw,
    ]
    assert available_actions(S.accepted, frozenset({Relation.talent})) == [A.approve, A.withdraw]
    assert available_actions(S.accepted, frozenset({Relation.agent})) == [A.withdraw]


def test_only_negotiation_actions_set_terms() -> None:
    assert {a for a, rule in TRANSITIONS.items() if rule.sets_terms} == {
        A.request,
        A.propose,
        A.counter,
    }
