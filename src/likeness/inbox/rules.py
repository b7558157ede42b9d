"""Which audit events become notifications, of which kind, for whom (pure data).

An event's object names the talent it concerns; the recipients are that talent's user
and/or the users of the agencies representing them on the day. The user who made the
change is never told of it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    kind: str
    to_talent: bool
    to_agents: bool
    #: ``str.format`` fields: ``who`` (the talent's name as the recipient sees it),
    #: ``brand`` (the brand's name, license events), ``short`` (the object's short id),
    #: ``whose`` (``your`` for the talent, ``the talent's`` for an agent), ``amount`` and
    #: ``reference`` (a money movement's sum and bank reference, from the event).
    message: str


RULES: dict[str, Rule] = {
    "license.requested": Rule(
        "license.awaiting_answer", True, True,
        "{brand} asks to license {who}: the request awaits an answer.",
    ),
    "license.countered": Rule(
        "license.countered", True, True,
        "{brand} made a counter-offer for {who}: it awaits an answer.",
    ),
    "license.accepted": Rule(
        "license.awaiting_approval", True, True,
        "{brand} accepted the terms for {who}: the license awaits {whose} approval.",
    ),
    "consent.created": Rule(
        "consent.awaiting_signature", True, False,
        "A consent ({short}) waits for your signature.",
    ),
    "consent.signed": Rule("consent.signed", False, True, "{who} signed consent {short}."),
    "consent.revoked": Rule("consent.revoked", False, True, "{who} revoked consent {short}."),
    "output.created": Rule(
        "output.to_review", True, False, "A new output ({short}) waits for your review."
    ),
    "output.approved": Rule(
        "output.approved", False, True, "Output {short} of {who} was approved."
    ),
    "output.rejected": Rule(
        "output.rejected", False, True, "Output {short} of {who} was rejected."
    ),
    "asset.taken_down": Rule(
        "asset.taken_down", True, True, "Asset {short} of {who} was taken down."
    ),
    "ledger.payout_recorded": Rule(
        "payout.sent", True, False,
        "A payout of {amount} was sent to you (bank reference {reference}).",
    ),
}  # fmt: skip

#: The kinds, for filters and docs.
KINDS = tuple(sorted({rule.kind for rule in RULES.values()}))
