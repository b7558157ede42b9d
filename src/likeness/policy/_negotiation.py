"""License negotiation as a transition table.

::

    (none) --request--> requested --propose--> proposed --accept--> accepted
                                   ^             |   ^                 |
                                   |          counter |              approve (talent signs
                                   |             v   | propose          the use consent)
                                   +--------- countered                 v
                                                         active <--resume-- suspended
                                                           |  \\--suspend-->   |
                                                           v                  v
                                                  expired / revoked     expired / revoked

    requested | proposed | countered | accepted --withdraw--> withdrawn

Who may do what is expressed as *relations* to the license, computed by the caller from
the database (is the actor a member of the license's brand, the talent, an agent of the
talent's agency, an operator?). The table is the whole rule: nothing else decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from likeness.policy._errors import IllegalTransition, TransitionNotPermitted
from likeness.policy._values import LicenseStatus


class Relation(StrEnum):
    """How an actor stands to one license."""

    brand = "brand"  # a member of the brand that holds (or asks for) the license
    talent = "talent"  # the talent whose likeness it is
    agent = "agent"  # an agent of an agency that currently represents the talent
    operator = "operator"  # platform operator (takedowns, legal holds)
    system = "system"  # the platform itself: the clock (expiry), and the consequences of
    # a deleted twin or a withdrawn creation consent (ending negotiations)


class LicenseAction(StrEnum):
    request = "request"
    propose = "propose"
    counter = "counter"
    accept = "accept"
    approve = "approve"
    suspend = "suspend"
    resume = "resume"
    revoke = "revoke"
    expire = "expire"
    withdraw = "withdraw"


S = LicenseStatus


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[LicenseStatus | None]
    target: LicenseStatus
    who: frozenset[Relation]
    #: Does this action set new terms (and so require them)?
    sets_terms: bool = False


_TALENT_SIDE = frozenset({Relation.talent, Relation.agent})
_NEGOTIATING = frozenset({S.requested, S.proposed, S.countered, S.accepted})
_LIVE = frozenset({S.active, S.suspended})

TRANSITIONS: dict[LicenseAction, Rule] = {
    LicenseAction.request: Rule(
        frozenset({None}), S.requested, frozenset({Relation.brand}), sets_terms=True
    ),
    LicenseAction.propose: Rule(
        frozenset({S.requested, S.countered}), S.proposed, _TALENT_SIDE, sets_terms=True
    ),
    LicenseAction.counter: Rule(
        frozenset({S.proposed}), S.countered, frozenset({Relation.brand}), sets_terms=True
    ),
    LicenseAction.accept: Rule(frozenset({S.proposed}), S.accepted, frozenset({Relation.brand})),
    # Only the talent: signing the use consent is personal (FWA, SAG-AFTRA 2023).
    LicenseAction.approve: Rule(frozenset({S.accepted}), S.active, frozenset({Relation.talent})),
    LicenseAction.suspend: Rule(
        frozenset({S.active}), S.suspended, _TALENT_SIDE | {Relation.operator}
    ),
    LicenseAction.resume: Rule(
        frozenset({S.suspended}), S.active, frozenset({Relation.talent, Relation.operator})
    ),
    LicenseAction.revoke: Rule(_LIVE, S.revoked, frozenset({Relation.talent, Relation.operator})),
    LicenseAction.expire: Rule(_LIVE, S.expired, frozenset({Relation.system, Relation.operator})),
    LicenseAction.withdraw: Rule(
        frozenset(_NEGOTIATING), S.withdrawn, _TALENT_SIDE | {Relation.brand, Relation.system}
    ),
}


def _describe(status: LicenseStatus | None) -> str:
    return "not yet created" if status is None else status.value


def next_status(
    current: LicenseStatus | None,
    action: LicenseAction,
    relations: frozenset[Relation],
) -> LicenseStatus:
    """The status after ``action``, or a clear refusal.

    Permission is checked before state, so an actor who may never take this action is
    told so, rather than being told about a state they cannot change anyway.
    """
    rule = TRANSITIONS[action]
    if not relations & rule.who:
        allowed = " or ".join(sorted(r.value for r in rule.who))
        raise TransitionNotPermitted(f"only the {allowed} may {action.value} a license")
    if current not in rule.sources:
        sources = ", ".join(sorted(_describe(s) for s in rule.sources))
        raise IllegalTransition(
            f"cannot {action.value} a license that is {_describe(current)} (only from: {sources})"
        )
    return rule.target


def available_actions(
    current: LicenseStatus | None, relations: frozenset[Relation]
) -> list[LicenseAction]:
    """What this actor could do next: used by the API to tell clients their options."""
    return [
        action
        for action, rule in TRANSITIONS.items()
        if current in rule.sources and relations & rule.who
    ]
