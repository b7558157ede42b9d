"""Who may see and change a talent's captures and twins: the talent, or an operator.

One helper per object kind, so there is one place to review. Operator access is
allowed for maintenance and always audit-logged by the services; agents and brands
never see captures or twins (brands see only approved outputs, elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from likeness.audit.service import record
from likeness.capture.errors import InvalidLookReason, LookReasonRequired
from likeness.errors import Forbidden
from likeness.identity.actor import Actor
from likeness.models.party import Role


def may_access_talent_data(actor: Actor, talent_id: str) -> bool:
    if actor.role is Role.operator:
        return True
    return actor.role is Role.talent and actor.talent_id == talent_id


def require_talent_data(actor: Actor, talent_id: str, what: str) -> None:
    if not may_access_talent_data(actor, talent_id):
        raise Forbidden(f"only the talent (or an operator, for maintenance) may {what}")


class LookReasonKind(StrEnum):
    """Why an operator looks at a talent's captures and twins (issue 20)."""

    support_request = "support_request"
    quality_check = "quality_check"
    legal_request = "legal_request"
    talent_request = "talent_request"
    incident = "incident"


#: What each kind is called on a page.
LOOK_REASON_LABELS = {
    LookReasonKind.support_request: "Support request",
    LookReasonKind.quality_check: "Quality check",
    LookReasonKind.legal_request: "Legal request",
    LookReasonKind.talent_request: "The talent's own request",
    LookReasonKind.incident: "Incident",
}
MIN_LOOK_REASON = 10
MAX_LOOK_REASON = 500
_KINDS = ", ".join(k.value for k in LookReasonKind)
NEEDS_REASON = (
    "an operator must say why they look at a talent's captures and twins: a reason kind "
    f"({_KINDS}) and a reason of {MIN_LOOK_REASON} to {MAX_LOOK_REASON} characters"
)


@dataclass(frozen=True)
class LookReason:
    kind: LookReasonKind
    text: str

    def payload(self) -> dict[str, str]:
        return {"reason_kind": self.kind.value, "reason": self.text}


def look_reason(kind: str | None, text: str | None) -> LookReason | None:
    """The typed reason, or None when neither part was given; a half or bad reason is
    refused with what is wrong (:class:`InvalidLookReason`, 422)."""
    kind = (kind or "").strip()
    text = " ".join((text or "").split())
    if not kind and not text:
        return None
    try:
        chosen = LookReasonKind(kind)
    except ValueError:
        raise InvalidLookReason(
            f"reason kind must be one of {_KINDS}; got {kind!r:.40}"
            if kind
            else f"give a reason kind ({_KINDS}) with the reason"
        ) from None
    if not MIN_LOOK_REASON <= len(text) <= MAX_LOOK_REASON:
        raise InvalidLookReason(
            f"the reason must be {MIN_LOOK_REASON} to {MAX_LOOK_REASON} characters; got {len(text)}"
        )
    return LookReason(chosen, text)


def require_look_reason(actor: Actor, reason: LookReason | None) -> None:
    """An operator's look needs a reason; a talent looking at their own data needs none."""
    if actor.role is Role.operator and reason is None:
        raise LookReasonRequired(NEEDS_REASON)


def record_operator_look(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    reason: LookReason | None = None,
) -> None:
    """Operators may look at a talent's captures and twins for maintenance; every look is
    on the record, with its reason when it is a look on its own (not a step of a build or
    a QC run, which are audited as themselves). Talents looking at their own data are not
    logged."""
    if actor.role is Role.operator:
        record(
            session,
            actor,
            action,
            object_type,
            object_id,
            reason.payload() if reason is not None else {},
        )
