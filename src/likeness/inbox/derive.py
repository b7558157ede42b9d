"""Audit event → notifications, in the event's transaction.

Why from audit events rather than from each service: every change the inbox announces
already writes exactly one audit event in its own transaction (a house rule), so one
listener sees them all — license negotiation, consents, output review, take-downs — with
no call added to six services in four layers below this one, and a rolled-back change
takes its notifications with it.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from likeness.audit.service import on_record
from likeness.inbox import repository
from likeness.inbox.rules import RULES
from likeness.kit.clock import utcnow
from likeness.models.asset import Asset
from likeness.models.audit import AuditEvent
from likeness.models.consent import Consent
from likeness.models.inbox import Notification
from likeness.models.ledger import LedgerTransaction
from likeness.models.license import License
from likeness.models.output import Output
from likeness.models.party import Brand, TalentProfile
from likeness.policy import format_minor

_OBJECTS: dict[
    str, type[Asset] | type[Consent] | type[License] | type[Output] | type[LedgerTransaction]
] = {
    "asset": Asset,
    "consent": Consent,
    "license": License,
    "output": Output,
    "ledger": LedgerTransaction,  # a payout names the talent it paid (None for an agency)
}


def _talent_and_brand(session: Session, event: AuditEvent) -> tuple[str | None, str | None]:
    model = _OBJECTS.get(event.action.split(".", 1)[0])
    row = session.get(model, event.object_id) if model is not None else None
    if row is None:
        return None, None
    talent_id: str | None = getattr(row, "talent_id", None)
    brand_id: str | None = getattr(row, "brand_id", None)
    return talent_id, brand_id


#: An event that settles what an earlier notification asked for: that one is read now.
SETTLES: dict[str, tuple[str, ...]] = {
    "consent.signed": ("consent.awaiting_signature",),
    "output.approved": ("output.to_review",),
    "output.rejected": ("output.to_review",),
    # The talent side answers a request or a counter-offer with terms, or ends it.
    "license.proposed": ("license.awaiting_answer", "license.countered"),
    "license.approved": (
        "license.awaiting_answer",
        "license.countered",
        "license.awaiting_approval",
    ),
    "license.withdrawn": (
        "license.awaiting_answer",
        "license.countered",
        "license.awaiting_approval",
    ),
    "license.revoked": (
        "license.awaiting_answer",
        "license.countered",
        "license.awaiting_approval",
    ),
}


def _money(payload: dict[str, object]) -> dict[str, str]:
    """A money movement's sum (``EUR 1,234.56``) and bank reference, for its message."""
    amount, currency = payload.get("amount"), payload.get("currency")
    if not isinstance(amount, int) or not isinstance(currency, str):
        return {}
    return {"amount": format_minor(amount, currency), "reference": str(payload.get("reference"))}


def on_event(session: Session, event: AuditEvent) -> None:
    """Write the notifications ``event`` calls for (none for most events)."""
    for settled in SETTLES.get(event.action, ()):
        repository.settle(session, settled, event.object_id, utcnow())
    rule = RULES.get(event.action)
    if rule is None:
        return
    payload = json.loads(event.payload or "{}")
    if event.action == "output.approved" and payload.get("review_mode") == "automatic":
        return  # pre-approved outputs are not news
    talent_id, brand_id = _talent_and_brand(session, event)
    if talent_id is None:
        return
    talent = session.get(TalentProfile, talent_id)
    if talent is None:
        return
    brand = session.get(Brand, brand_id) if brand_id else None
    recipients: dict[str, str] = {}  # user id → how the message names the talent
    if rule.to_agents:
        for user_id in repository.agent_user_ids(session, talent_id, utcnow().date()):
            recipients[user_id] = talent.stage_name or talent.legal_name
    if rule.to_talent:
        recipients[talent.user_id] = "you"
    recipients.pop(event.actor_user_id or "", None)  # who made the change knows it
    for user_id, who in recipients.items():
        message = rule.message.format(
            who=who,
            brand=brand.name if brand else "A brand",
            short=event.object_id[:8],
            whose="your" if who == "you" else "the talent's",
            **_money(payload),
        )
        session.add(
            Notification(
                recipient_user_id=user_id,
                talent_id=talent_id,
                kind=rule.kind,
                message=message[:1].upper() + message[1:],
                object_type=event.object_type,
                object_id=event.object_id,
                event_seq=event.seq,
            )
        )
    if recipients:
        session.flush()


on_record(on_event)
